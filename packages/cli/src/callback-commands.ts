import { InvalidArgumentError, type Command } from 'commander';
import type { AdminClient, Callback } from './admin-client';
import { CliError, eitherFlag, positiveInteger, type Action } from './options';

const EVENTS = ['message.status', 'message.inbound', 'template.status', 'wallet.low_balance'];
const STATUSES = ['pending', 'delivering', 'delivered', 'failed'] as const;

function eventType(value: string, previous: string[] = []): string[] {
  if (!EVENTS.includes(value)) throw new InvalidArgumentError(`one of ${EVENTS.join(', ')}`);
  return [...previous, value];
}

function deliveryStatus(value: string): (typeof STATUSES)[number] {
  if (!(STATUSES as readonly string[]).includes(value)) throw new InvalidArgumentError(`one of ${STATUSES.join(', ')}`);
  return value as (typeof STATUSES)[number];
}

const line = (c: Callback) =>
  [
    c.id,
    c.enabled ? 'enabled' : `disabled${c.disabled_reason ? ` (${c.disabled_reason})` : ''}`,
    c.url,
    c.events.join(','),
  ].join('\t');

/** `dak callbacks …`: an account's callback endpoints, through the admin API's `/accounts/:id/callbacks`. */
export function addCallbackCommands(program: Command, action: Action, stderr: (text: string) => void): void {
  const callbacks = program.command('callbacks').description("an account's callback endpoints (Dak → the business)");
  callbacks
    .command('create <account-id> <url>')
    .description('register an endpoint; it must answer a signed test POST; its secret is printed once')
    .requiredOption('--event <type>', `an event type to send (repeatable): ${EVENTS.join(', ')}`, eventType)
    .option('--description <text>', 'what it is for')
    .action(
      action(
        async ({ admin, print }, accountId: string, url: string, opts: { event: string[]; description?: string }) => {
          const created = await admin.createCallback(accountId, {
            url,
            events: opts.event as CreateEvents,
            ...(opts.description !== undefined ? { description: opts.description } : {}),
          });
          print(created, (c) => c.secret);
          stderr('Store this secret now: it verifies X-Dak-Signature and cannot be shown again.\n');
        },
      ),
    );
  callbacks
    .command('list <account-id>')
    .description("the account's endpoints (without their secrets)")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.listCallbacks(accountId), (r) => r.callbacks.map(line)),
      ),
    );
  callbacks
    .command('show <account-id> <callback-id>')
    .description('one endpoint, with why Dak disabled it if it did')
    .action(
      action(async ({ admin, print }, accountId: string, callbackId: string) =>
        print(await admin.getCallback(accountId, callbackId), line),
      ),
    );
  callbacks
    .command('update <account-id> <callback-id>')
    .description('change the URL, events or description; --enable re-enables one Dak disabled')
    .option('--url <url>', 'a new URL (it must answer the signed test POST)')
    .option('--event <type>', 'the new event types (repeatable; replaces the list)', eventType)
    .option('--description <text>', 'a new description')
    .option('--enable', 'enable it (clears the reason Dak disabled it)')
    .option('--disable', 'stop sending to it')
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          callbackId: string,
          opts: { url?: string; event?: string[]; description?: string; enable?: boolean; disable?: boolean },
        ) => {
          const updated = await admin.updateCallback(accountId, callbackId, {
            ...(opts.url !== undefined ? { url: opts.url } : {}),
            ...(opts.event !== undefined ? { events: opts.event as CreateEvents } : {}),
            ...(opts.description !== undefined ? { description: opts.description } : {}),
            ...eitherFlag('enabled', ['--enable', opts.enable], ['--disable', opts.disable]),
          });
          print(updated, line);
        },
      ),
    );
  callbacks
    .command('delete <account-id> <callback-id>')
    .description('delete an endpoint, its pending deliveries and its log')
    .action(
      action(async ({ admin, print }, accountId: string, callbackId: string) =>
        print(await admin.deleteCallback(accountId, callbackId), (r) => `${r.id}\tdeleted`),
      ),
    );
  callbacks
    .command('rotate-secret <account-id> <callback-id>')
    .description('issue a new signing secret, printed once; the old one keeps signing for 24 h')
    .action(
      action(async ({ admin, print }, accountId: string, callbackId: string) => {
        print(await admin.rotateCallbackSecret(accountId, callbackId), (r) => r.secret);
        stderr('Store this secret now: it cannot be shown again. The old one keeps signing for 24 h.\n');
      }),
    );
  callbacks
    .command('deliveries <account-id> <callback-id>')
    .description("the delivery log, newest first; --before takes the previous page's next_before")
    .option('--event-id <id>', 'only attempts of this event')
    .option('--status <status>', `only deliveries now ${STATUSES.join('|')}`, deliveryStatus)
    .option('--limit <n>', 'attempts per page (1–500, default 50)', positiveInteger)
    .option('--before <attempt-id>', 'only attempts older than this id', positiveInteger)
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          callbackId: string,
          opts: { eventId?: string; status?: (typeof STATUSES)[number]; limit?: number; before?: number },
        ) => {
          const { eventId, ...page } = opts;
          const result = await admin.callbackDeliveries(accountId, callbackId, {
            ...page,
            ...(eventId !== undefined ? { event_id: eventId } : {}),
          });
          print(result, (r) => [
            ...r.deliveries.map((d) =>
              [
                d.id,
                d.at,
                d.event_id,
                d.event_type,
                `#${d.attempt}`,
                d.http_status ?? '-',
                `${d.latency_ms} ms`,
                d.error ?? 'ok',
              ].join('\t'),
            ),
            ...(r.next_before !== null ? [`more: --before ${r.next_before}`] : []),
          ]);
        },
      ),
    );
  callbacks
    .command('replay <account-id> <callback-id>')
    .description('deliver one event (--event-id) or the events of a time range (--since, --until) again')
    .option('--event-id <id>', 'the event to deliver again')
    .option('--since <iso-time>', 'events made at or after this time')
    .option('--until <iso-time>', 'events made before this time (default now)')
    .option('--after <cursor>', "continue a range past a previous replay: that replay's next_after")
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          callbackId: string,
          opts: { eventId?: string; since?: string; until?: string; after?: string },
        ) => {
          if (!opts.eventId === !opts.since)
            throw new CliError('Give either --event-id or --since (with --until if you like), not both.');
          if (opts.eventId && opts.after)
            throw new CliError('--after continues a --since range; leave it out with --event-id.');
          const body = opts.eventId
            ? { event_id: opts.eventId }
            : {
                since: opts.since!,
                ...(opts.until !== undefined ? { until: opts.until } : {}),
                ...(opts.after !== undefined ? { after: opts.after } : {}),
              };
          print(
            await admin.replayCallback(accountId, callbackId, body),
            (r) =>
              `requeued ${r.requeued}${r.next_after ? `\tmore in the range: run it again with the same --since and --after ${r.next_after}` : ''}`,
          );
        },
      ),
    );
}

type CreateEvents = Parameters<AdminClient['createCallback']>[1]['events'];
