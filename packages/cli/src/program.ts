import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError, loadCliConfig, type CliConfig, type Env } from '@dak/config';
import {
  AdminApiError,
  AdminApiUnreachableError,
  adminClient,
  type AdminClient,
  type TemplateCategory,
} from './admin-client';
import { addAutomationCommands } from './automation-commands';
import { addCallbackCommands } from './callback-commands';
import { addContactCommands } from './contact-commands';
import { CliError, collect, positiveInteger, yesNo } from './options';

/** What the CLI touches outside itself, so tests and main.ts can each supply their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Env;
  cwd: string;
  readStdin(): Promise<string>;
}

export { CliError };

interface GlobalOptions {
  url?: string;
  token?: string;
  quiet?: boolean;
}

const CATEGORIES: TemplateCategory[] = ['MARKETING', 'UTILITY', 'AUTHENTICATION'];

/** `--category-price MARKETING=0.20`, repeatable, collected into one map. */
function categoryPrice(value: string, previous: Partial<Record<TemplateCategory, string>> = {}) {
  const match = /^([A-Za-z]+)=(.+)$/.exec(value);
  const category = match?.[1]?.toUpperCase() as TemplateCategory | undefined;
  if (!match || !category || !CATEGORIES.includes(category)) {
    throw new InvalidArgumentError(`CATEGORY=PRICE with CATEGORY one of ${CATEGORIES.join(', ')}, e.g. MARKETING=0.20`);
  }
  return { ...previous, [category]: match[2] };
}

/** `--requests-per-second 50`, or `none` to remove an account-wide limit (commander keeps no null). */
function requestsPerSecondOrNone(value: string): number | 'none' {
  return value === 'none' ? value : positiveInteger(value);
}

/** `--messaging-tier 2000`, or `unlimited`: one of Meta's tiers (the API refuses others with the list). */
function messagingTier(value: string): 250 | 2000 | 10000 | 100000 | 'unlimited' {
  if (value === 'unlimited') return value;
  const tier = Number(value.replace(/[,_]/g, ''));
  if (tier === 250 || tier === 2000 || tier === 10000 || tier === 100000) return tier;
  throw new CliError(
    `--messaging-tier must be one of Meta's tiers: 250, 2000, 10000, 100000 or unlimited (got "${value}").`,
  );
}

const rate = (requestsPerSecond: number | null) =>
  requestsPerSecond === null ? 'no account limit' : `${requestsPerSecond} req/s`;

/** Builds the `dak` program; `lastConfig` remembers where the token came from for error messages. */
export function buildProgram(io: CliIo, state: { config?: CliConfig } = {}): Command {
  const program = new Command('dak')
    .description(
      'Operate Dak through its admin API: accounts, phone numbers, API keys, wallets, templates, callbacks, contacts and automations. Prints JSON unless --quiet.',
    )
    .option('--url <url>', 'the API base URL (else DAK_API_URL, else http://127.0.0.1:3000)')
    .option('--token <token>', 'the admin token (else DAK_ADMIN_TOKEN, else DAK_ADMIN_TOKEN from ./.dak/local.env)')
    .option('-q, --quiet', 'print short lines (ids, the key, balances) instead of JSON')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()
    .exitOverride();

  /** The client and printer for one command, from the global options. */
  function session(command: Command) {
    const globals = command.optsWithGlobals<GlobalOptions>();
    const config = loadCliConfig(io.env, { url: globals.url, token: globals.token }, io.cwd);
    state.config = config;
    if (!config.adminToken) {
      throw new CliError(
        'No admin token: pass --token, set DAK_ADMIN_TOKEN, or run dak in the directory where `npm start` wrote .dak/local.env.',
      );
    }
    return {
      admin: adminClient(config.apiUrl, config.adminToken),
      print<T>(result: T, quiet: (result: T) => string | string[]) {
        if (!globals.quiet) return io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        const lines = [quiet(result)].flat();
        if (lines.length > 0) io.stdout(`${lines.join('\n')}\n`);
      },
    };
  }

  /** Runs `work` with the session; commander passes (...arguments, options, command). */
  function action<A extends unknown[]>(
    work: (ctx: ReturnType<typeof session> & { admin: AdminClient }, ...args: A) => Promise<void>,
  ) {
    return async (...args: unknown[]) => {
      const command = args.at(-1) as Command;
      await work(session(command), ...(args.slice(0, -1) as A));
    };
  }

  const accounts = program.command('accounts').description('WhatsApp Business Accounts, their prices and wallets');
  accounts
    .command('list')
    .description('every account')
    .action(
      action(async ({ admin, print }) =>
        print(await admin.listAccounts(), (r) => r.accounts.map((a) => `${a.id}\t${a.waba_id}\t${a.name}`)),
      ),
    );
  accounts
    .command('create')
    .description('create an account (a WABA) and its wallet')
    .requiredOption('--name <name>', "the business's name")
    .requiredOption('--waba-id <id>', 'the WhatsApp Business Account id')
    .option('--currency <code>', "ISO 4217, default the server's (INR)")
    .option('--price <amount>', "price of a message, e.g. 0.10 (default the server's)")
    .option('--category-price <CATEGORY=amount>', 'price for one template category (repeatable)', categoryPrice)
    .action(
      action(
        async (
          { admin, print },
          opts: {
            name: string;
            wabaId: string;
            currency?: string;
            price?: string;
            categoryPrice?: Record<string, string>;
          },
        ) => {
          const account = await admin.createAccount({
            name: opts.name,
            waba_id: opts.wabaId,
            ...(opts.currency ? { currency: opts.currency } : {}),
            ...(opts.price ? { price: opts.price } : {}),
            ...(opts.categoryPrice ? { category_prices: opts.categoryPrice } : {}),
          });
          print(account, (a) => a.id);
        },
      ),
    );
  accounts
    .command('show <account-id>')
    .description('one account with its prices and wallet')
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(
          await admin.getAccount(accountId),
          (a) => `${a.id}\t${a.name}\tprice ${a.price} ${a.currency}\tavailable ${a.wallet.available}`,
        ),
      ),
    );
  accounts
    .command('update <account-id>')
    .description('rename, or change prices: a new price applies to messages accepted from now on')
    .option('--name <name>', 'a new name')
    .option('--price <amount>', 'a new default price of a message, e.g. 0.12')
    .option(
      '--category-price <CATEGORY=amount>',
      'replaces every category price with those given (repeatable)',
      categoryPrice,
    )
    .option('--clear-category-prices', 'remove every category price (all categories cost --price)')
    .option(
      '--requests-per-second <n|none>',
      "limit all the account's keys together to n requests/s; none removes the limit",
      requestsPerSecondOrNone,
    )
    .option(
      '--charge-free-messages <yes|no>',
      'whether messages Meta reports free (free_customer_service, free_entry_point) are charged; no by default',
      yesNo,
    )
    .option(
      '--messaging-tier <250|2000|10000|100000|unlimited>',
      "Meta's messaging limit of the account's portfolio (unique users per 24 h); sends beyond it are refused",
      messagingTier,
    )
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          opts: {
            name?: string;
            price?: string;
            categoryPrice?: Record<string, string>;
            clearCategoryPrices?: boolean;
            requestsPerSecond?: number | 'none';
            chargeFreeMessages?: boolean;
            messagingTier?: ReturnType<typeof messagingTier>;
          },
        ) => {
          if (opts.categoryPrice && opts.clearCategoryPrices)
            throw new CliError('Give --category-price or --clear-category-prices, not both.');
          const categoryPrices = opts.clearCategoryPrices ? {} : opts.categoryPrice;
          const account = await admin.updateAccount(accountId, {
            ...(opts.name !== undefined ? { name: opts.name } : {}),
            ...(opts.price !== undefined ? { price: opts.price } : {}),
            ...(categoryPrices ? { category_prices: categoryPrices } : {}),
            ...(opts.requestsPerSecond !== undefined
              ? { requests_per_second: opts.requestsPerSecond === 'none' ? null : opts.requestsPerSecond }
              : {}),
            ...(opts.chargeFreeMessages !== undefined ? { charge_free_messages: opts.chargeFreeMessages } : {}),
            ...(opts.messagingTier !== undefined ? { messaging_tier: opts.messagingTier } : {}),
          });
          print(
            account,
            (a) =>
              `${a.id}\tprice ${a.price}\t${
                Object.entries(a.category_prices)
                  .map(([k, v]) => `${k} ${v}`)
                  .join(', ') || 'no category prices'
              }\t${rate(a.requests_per_second)}\ttier ${a.messaging_tier}`,
          );
        },
      ),
    );

  /** `--access-token -` reads it from stdin, so it stays out of shell history and `ps`. */
  const accessToken = async (value: string) => (value === '-' ? (await io.readStdin()).trim() : value);

  const phones = program
    .command('phone-numbers')
    .description("an account's sending numbers, their access tokens and limits");
  phones
    .command('add <account-id>')
    .description('register a sending number and its Meta access token (encrypted at rest, never shown again)')
    .requiredOption('--phone-number-id <id>', "Meta's phone number id")
    .requiredOption('--display <number>', 'the display phone number')
    .requiredOption('--access-token <token>', 'the access token Meta issued (- reads it from stdin)')
    .option('--mps <n>', 'messages per second Meta allows the number (default 80)', positiveInteger)
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          opts: { phoneNumberId: string; display: string; accessToken: string; mps?: number },
        ) => {
          const phone = await admin.addPhoneNumber(accountId, {
            phone_number_id: opts.phoneNumberId,
            display_phone_number: opts.display,
            access_token: await accessToken(opts.accessToken),
            ...(opts.mps !== undefined ? { mps: opts.mps } : {}),
          });
          print(phone, (p) => p.id);
        },
      ),
    );
  phones
    .command('list <account-id>')
    .description("the account's numbers")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.listPhoneNumbers(accountId), (r) =>
          r.phone_numbers.map((p) => `${p.id}\t${p.phone_number_id}\t${p.display_phone_number}\t${p.mps} mps`),
        ),
      ),
    );
  phones
    .command('update <phone-number>')
    .description(
      "change a number (by pn_ id or Meta's phone number id): rotate its token, its mps or display number; workers pick it up within 30 s",
    )
    .option('--display <number>', 'a new display phone number')
    .option('--access-token <token>', 'a new access token (- reads it from stdin)')
    .option('--mps <n>', 'a new messages-per-second limit', positiveInteger)
    .action(
      action(
        async (
          { admin, print },
          phoneNumber: string,
          opts: { display?: string; accessToken?: string; mps?: number },
        ) => {
          const phone = await admin.updatePhoneNumber(phoneNumber, {
            ...(opts.display !== undefined ? { display_phone_number: opts.display } : {}),
            ...(opts.accessToken !== undefined ? { access_token: await accessToken(opts.accessToken) } : {}),
            ...(opts.mps !== undefined ? { mps: opts.mps } : {}),
          });
          print(phone, (p) => `${p.id}\t${p.display_phone_number}\t${p.mps} mps`);
        },
      ),
    );

  const keys = program.command('api-keys').description("an account's API keys");
  keys
    .command('create <account-id>')
    .description('issue a key; it is printed once and cannot be shown again')
    .requiredOption('--name <name>', 'what the key is for, e.g. production')
    .option('--expires-at <iso-time>', 'when the key stops working, e.g. 2027-01-01T00:00:00Z')
    .option('--phone-number-id <id>', 'restrict the key to this Meta phone number id (repeatable)', collect)
    .option(
      '--requests-per-second <n>',
      "the key's rate limit (default 100, with a burst of one second's worth)",
      positiveInteger,
    )
    .action(
      action(
        async (
          { admin, print },
          accountId: string,
          opts: { name: string; expiresAt?: string; phoneNumberId?: string[]; requestsPerSecond?: number },
        ) => {
          const key = await admin.createApiKey(accountId, {
            name: opts.name,
            ...(opts.expiresAt ? { expires_at: opts.expiresAt } : {}),
            ...(opts.phoneNumberId ? { phone_number_ids: opts.phoneNumberId } : {}),
            ...(opts.requestsPerSecond !== undefined ? { requests_per_second: opts.requestsPerSecond } : {}),
          });
          print(key, (k) => k.key);
          io.stderr('Store this key now: Dak keeps only its hash, and it cannot be shown again.\n');
        },
      ),
    );
  keys
    .command('list <account-id>')
    .description("the account's keys (without the keys themselves)")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.listApiKeys(accountId), (r) =>
          r.api_keys.map(
            (k) =>
              `${k.id}\t${k.prefix}…\t${k.name}\t${k.requests_per_second} req/s\t${k.revoked_at ? 'revoked' : 'active'}`,
          ),
        ),
      ),
    );
  keys
    .command('update <key-id>')
    .description("rename a key or change its rate limit; a new limit applies from the key's next request")
    .option('--name <name>', 'a new name')
    .option('--requests-per-second <n>', "the key's new rate limit", positiveInteger)
    .action(
      action(async ({ admin, print }, keyId: string, opts: { name?: string; requestsPerSecond?: number }) => {
        const key = await admin.updateApiKey(keyId, {
          ...(opts.name !== undefined ? { name: opts.name } : {}),
          ...(opts.requestsPerSecond !== undefined ? { requests_per_second: opts.requestsPerSecond } : {}),
        });
        print(key, (k) => `${k.id}\t${k.name}\t${k.requests_per_second} req/s`);
      }),
    );
  keys
    .command('revoke <key-id>')
    .description('revoke a key at once')
    .action(
      action(async ({ admin, print }, keyId: string) =>
        print(await admin.revokeApiKey(keyId), (k) => `${k.id}\trevoked ${k.revoked_at}`),
      ),
    );

  const wallet = program.command('wallet').description("an account's prepaid credit");
  const balance = (w: { available: string; held: string; debt: string; currency: string }) =>
    `available ${w.available} ${w.currency}\theld ${w.held}${w.debt === '0.00' ? '' : `\tdebt ${w.debt}`}`;
  wallet
    .command('show <account-id>')
    .description('available, held, captured, refunded, topped-up and debt totals')
    .action(action(async ({ admin, print }, accountId: string) => print(await admin.wallet(accountId), balance)));
  wallet
    .command('topup <account-id> <amount>')
    .description('credit the wallet; the reference makes it safe to run again')
    .requiredOption('--reference <ref>', 'e.g. the invoice number; the same reference never credits twice')
    .action(
      action(async ({ admin, print }, accountId: string, amount: string, opts: { reference: string }) => {
        const result = await admin.topUp(accountId, { amount, reference: opts.reference });
        print(
          result,
          (r) => `${r.replayed ? 'already applied, nothing credited' : `credited ${amount}`}\t${balance(r.wallet)}`,
        );
      }),
    );
  wallet
    .command('ledger <account-id>')
    .description("ledger entries, newest first; --before takes the previous page's next_before")
    .option('--limit <n>', 'entries per page (1–500, default 50)', positiveInteger)
    .option('--before <entry-id>', 'only entries older than this id', positiveInteger)
    .action(
      action(async ({ admin, print }, accountId: string, opts: { limit?: number; before?: number }) =>
        print(await admin.ledger(accountId, opts), (r) => [
          ...r.entries.map(
            (e) => `${e.id}\t${e.created_at}\t${e.kind}\t${e.amount}\t${e.message_id ?? e.reference ?? ''}`,
          ),
          ...(r.next_before !== null ? [`more: --before ${r.next_before}`] : []),
        ]),
      ),
    );

  accounts
    .command('sync-tier <account-id>')
    .description("read the account's messaging tier from Meta now (it replaces a tier set with --messaging-tier)")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.syncMessagingTier(accountId), (r) =>
          [
            `tier ${r.account.messaging_tier}\tfrom ${r.account.messaging_tier_source}\t${r.changed ? 'changed' : 'unchanged'}`,
            ...r.numbers.map(
              (n) => `${n.meta_phone_number_id}\t${n.messaging_tier ?? `no tier: ${n.error?.code ?? 'unknown'}`}`,
            ),
          ].join('\n'),
        ),
      ),
    );

  const templates = program.command('templates').description("an account's templates, as synced from Meta");
  templates
    .command('sync <account-id>')
    .description("fetch the WABA's templates from Meta now")
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.syncTemplates(accountId), (r) => `synced ${r.synced}\tdeleted ${r.deleted}`),
      ),
    );
  templates
    .command('list <account-id>')
    .description('the stored templates')
    .action(
      action(async ({ admin, print }, accountId: string) =>
        print(await admin.listTemplates(accountId), (r) =>
          r.templates.map((t) => `${t.id}\t${t.name}\t${t.language}\t${t.category}\t${t.status}`),
        ),
      ),
    );

  program
    .command('webhook-events')
    .description(
      "Meta's webhook events as stored; --rejected lists those refused because they did not prove whose they are",
    )
    .command('list')
    .description("newest first; --before takes the previous page's next_before")
    .option('--rejected', 'only events closed without being applied, with the reason')
    .option('--limit <n>', 'events per page (1–500, default 50)', positiveInteger)
    .option('--before <event-id>', 'only events older than this id', positiveInteger)
    .action(
      action(async ({ admin, print }, opts: { rejected?: boolean; limit?: number; before?: number }) =>
        print(await admin.webhookEvents({ ...opts, ...(opts.rejected ? { rejected: true } : {}) }), (r) => [
          ...r.events.map((e) =>
            [
              e.id,
              e.received_at,
              e.kind,
              e.status ?? '',
              e.rejected_reason ?? 'ok',
              `waba ${e.waba_id ?? '-'}`,
              `number ${e.meta_phone_number_id ?? '-'}`,
              e.message_id ?? e.wamid ?? '',
            ].join('\t'),
          ),
          ...(r.next_before !== null ? [`more: --before ${r.next_before}`] : []),
        ]),
      ),
    );

  addCallbackCommands(program, action, io.stderr);
  addContactCommands(program, action);
  addAutomationCommands(program, action, io);

  return program;
}

/** One line for stderr: Dak's own message, with the code and where the token came from when it matters. */
export function describeError(error: unknown, config: CliConfig | undefined): string {
  if (error instanceof AdminApiError) {
    const source = error.status === 401 && config ? ` The token came from ${TOKEN_SOURCES[config.tokenSource]}.` : '';
    return `${error.message} (${error.code ?? 'error'}, HTTP ${error.status})${source}`;
  }
  if (error instanceof AdminApiUnreachableError)
    return `${error.message} Is Dak running? Point --url or DAK_API_URL at it.`;
  if (error instanceof ConfigError) return error.problems.join('; ');
  if (error instanceof CliError) return error.message;
  return error instanceof Error ? error.message : String(error);
}

const TOKEN_SOURCES: Record<CliConfig['tokenSource'], string> = {
  flag: '--token',
  env: 'DAK_ADMIN_TOKEN',
  'local-file': '.dak/local.env',
  none: 'nowhere',
};

/** Parses and runs; returns the exit code (0, or 1 after printing one line to stderr). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const state: { config?: CliConfig } = {};
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    // Commander has printed its own message (or the help / version) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    io.stderr(`error: ${describeError(error, state.config)}\n`);
    return 1;
  }
}
