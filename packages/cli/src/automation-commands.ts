import type { Command } from 'commander';
import type { Automation, CreateAutomationInput, UpdateAutomationInput } from './admin-client';
import { CliError, eitherFlag, positiveInteger, readJson, type Action } from './options';

type Io = Parameters<typeof readJson>[0];

const line = (a: Automation) =>
  [a.id, a.enabled ? 'enabled' : 'disabled', a.name, a.phone_number_id, a.template_id ?? a.template_name].join('\t');

/** A spec from --file: a JSON object (the API says what is wrong inside it). */
async function specFile(io: Io, path: string): Promise<Record<string, unknown>> {
  const spec = await readJson(io, path, '--file');
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new CliError(
      `--file: ${path} must hold a JSON object, the automation's fields (see the API's createAutomation).`,
    );
  return spec as Record<string, unknown>;
}

/** `dak automations …`: an account's automations, through the admin API's `/accounts/:id/automations`. */
export function addAutomationCommands(program: Command, action: Action, io: Io & { stderr(text: string): void }): void {
  const automations = program
    .command('automations')
    .description("an account's automations: hook URLs that turn an external system's events into template sends");
  automations
    .command('create <account-id>')
    .description('create one from a JSON spec; its hook URL (with its secret token) is printed once')
    .requiredOption('--file <path>', 'the spec as JSON, as POST /automations takes it (- reads stdin)')
    .option('--name <name>', "a name (instead of the file's)")
    .option('--disabled', 'create it disabled: events are stored and skipped')
    .action(
      action(async ({ admin, print }, accountId: string, opts: { file: string; name?: string; disabled?: boolean }) => {
        const spec = {
          ...(await specFile(io, opts.file)),
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.disabled ? { enabled: false } : {}),
        };
        print(await admin.createAutomation(accountId, spec as CreateAutomationInput), (a) => a.url);
        io.stderr('Store this URL now: it carries the hook’s secret token and cannot be shown again.\n');
      }),
    );
  automations
    .command('list <account-id>')
    .description("the account's automations (without their tokens or secrets)")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.listAutomations(accountId), (r) => r.automations.map(line)),
      ),
    );
  automations
    .command('show <account-id> <automation-id>')
    .description('one automation')
    .action(
      action(async ({ admin, print }, accountId: string, automationId: string) =>
        print(await admin.getAutomation(accountId, automationId), line),
      ),
    );
  automations
    .command('update <account-id> <automation-id>')
    .description('change fields from a JSON file (any of the spec’s), the name, or enable/disable it; the URL stays')
    .option('--file <path>', 'the fields to change, as JSON (- reads stdin)')
    .option('--name <name>', 'a new name')
    .option('--enable', 'send again what its URL receives')
    .option('--disable', 'store and skip what its URL receives')
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          automationId: string,
          opts: { file?: string; name?: string; enable?: boolean; disable?: boolean },
        ) => {
          const changes = {
            ...(opts.file !== undefined ? await specFile(io, opts.file) : {}),
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...eitherFlag('enabled', ['--enable', opts.enable], ['--disable', opts.disable]),
          };
          print(await admin.updateAutomation(accountId, automationId, changes as UpdateAutomationInput), line);
        },
      ),
    );
  automations
    .command('delete <account-id> <automation-id>')
    .description('delete it and its events; its URL answers 401 from then on')
    .action(
      action(async ({ admin, print }, accountId: string, automationId: string) =>
        print(await admin.deleteAutomation(accountId, automationId), (r) => `${r.id}\tdeleted`),
      ),
    );
  automations
    .command('events <account-id> <automation-id>')
    .description(
      "what came to the hook and what it became, newest first; --cursor takes the previous page's next_cursor",
    )
    .option('--limit <n>', 'events per page (1–200, default 50)', positiveInteger)
    .option('--cursor <cursor>', 'the page after this one')
    .action(
      action(
        async ({ admin, print }, accountId: string, automationId: string, opts: { limit?: number; cursor?: string }) =>
          print(await admin.automationEvents(accountId, automationId, opts), (r) => [
            ...r.events.map((e) =>
              [e.id, e.received_at, e.outcome, e.reason ?? '-', e.message_id ?? '-', e.dedupe_value ?? '-'].join('\t'),
            ),
            ...(r.next_cursor !== null ? [`more: --cursor ${r.next_cursor}`] : []),
          ]),
      ),
    );
  automations
    .command('dry-run <account-id> <automation-id>')
    .description('what an event would send, without sending: nothing is held, stored or sent')
    .requiredOption('--file <path>', 'the event as JSON, as the external system sends it (- reads stdin)')
    .action(
      action(async ({ admin, print }, accountId: string, automationId: string, opts: { file: string }) =>
        print(await admin.dryRunAutomation(accountId, automationId, await readJson(io, opts.file, '--file')), (r) =>
          r.would_send && r.message
            ? `would send\t${r.message.phone_number}\t${r.message.template.name}\t${r.message.price} ${r.message.currency}`
            : `would not send\t${r.outcome}\t${r.reason ?? ''}\t${r.reason_message ?? ''}`,
        ),
      ),
    );
}
