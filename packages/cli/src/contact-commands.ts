import { InvalidArgumentError, type Command } from 'commander';
import type { Contact, UpdateContactInput } from './admin-client';
import { CliError, collect, eitherFlag, positiveInteger, yesNo, type Action } from './options';

/** `--attribute city=Pune`, repeatable, collected into one map (values are text). */
function attribute(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('KEY=VALUE, e.g. city=Pune');
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

const line = (c: Contact) =>
  [
    c.id,
    c.phone_number ?? c.user_id,
    c.profile_name ?? '-',
    c.opted_out ? `opted out (${c.opt_out_reason})` : 'opted in',
    c.tags.join(',') || '-',
  ].join('\t');

/** `dak contacts …`: an account's contacts, through the admin API's `/accounts/:id/contacts`. */
export function addContactCommands(program: Command, action: Action): void {
  const contacts = program
    .command('contacts')
    .description("an account's contacts: the customers who wrote to its numbers, their tags and opt-outs");
  contacts
    .command('list <account-id>')
    .description("newest first; --cursor takes the previous page's next_cursor")
    .option('--opted-out <yes|no>', 'only contacts opted out of marketing (yes) or not (no)', yesNo)
    .option('--tag <tag>', 'only contacts with this tag')
    .option('--number <number>', 'only the contact with this number (digits with country code)')
    .option('--limit <n>', 'contacts per page (1–200, default 50)', positiveInteger)
    .option('--cursor <cursor>', 'the page after this one')
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          opts: { optedOut?: boolean; tag?: string; number?: string; limit?: number; cursor?: string },
        ) => {
          const { optedOut, ...filters } = opts;
          const query = {
            ...filters,
            ...(optedOut !== undefined ? { opted_out: optedOut ? ('true' as const) : ('false' as const) } : {}),
          };
          print(await admin.listContacts(accountId, query), (r) => [
            ...r.contacts.map(line),
            ...(r.next_cursor !== null ? [`more: --cursor ${r.next_cursor}`] : []),
          ]);
        },
      ),
    );
  contacts
    .command('show <account-id> <contact-id>')
    .description('one contact, with its attributes and opt-out')
    .action(
      action(async ({ admin, print }, accountId: string, contactId: string) =>
        print(await admin.getContact(accountId, contactId), line),
      ),
    );
  contacts
    .command('update <account-id> <contact-id>')
    .description('set tags or attributes; opt out of marketing, or back in (only with the customer’s consent)')
    .option('--tag <tag>', 'the new tags (repeatable; replaces the list)', collect)
    .option('--clear-tags', 'remove every tag')
    .option('--attribute <key=value>', 'set an attribute (repeatable; others are kept)', attribute)
    .option('--remove-attribute <key>', 'remove an attribute (repeatable)', collect)
    .option('--opt-out', 'stop MARKETING templates to them (reason manual)')
    .option('--opt-in', 'send them MARKETING templates again')
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          contactId: string,
          opts: {
            tag?: string[];
            clearTags?: boolean;
            attribute?: Record<string, string>;
            removeAttribute?: string[];
            optOut?: boolean;
            optIn?: boolean;
          },
        ) => {
          if (opts.tag && opts.clearTags) throw new CliError('Give --tag or --clear-tags, not both.');
          const removed = Object.fromEntries((opts.removeAttribute ?? []).map((key) => [key, null]));
          const attributes = { ...opts.attribute, ...removed };
          const body: UpdateContactInput = {
            ...(opts.tag ? { tags: opts.tag } : opts.clearTags ? { tags: [] } : {}),
            ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
            ...eitherFlag('opted_out', ['--opt-out', opts.optOut], ['--opt-in', opts.optIn]),
          };
          print(await admin.updateContact(accountId, contactId, body), line);
        },
      ),
    );
}
