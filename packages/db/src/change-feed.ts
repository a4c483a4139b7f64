import pg from 'pg';

/** The tables whose changes are announced on `dak_changes` (see the change-notifications migration). */
export type ChangedTable = 'accounts' | 'api_keys' | 'phone_numbers' | 'templates' | 'callback_endpoints';

export type ChangeListener = (change: { table: ChangedTable; accountId: string } | 'reset') => void;

const CHANNEL = 'dak_changes';
const RECONNECT_MS = [100, 500, 1_000, 2_000, 5_000];

/**
 * One LISTEN connection per process, for in-memory caches of data that other processes change.
 * Postgres delivers each notification at its writer's commit, to every listener. While the
 * connection is down nothing is heard, so on every (re)connect the listeners get `reset` and
 * drop everything: a cache may be cold after an outage, never stale.
 */
export class ChangeFeed {
  private client: pg.Client | undefined;
  private readonly listeners = new Set<ChangeListener>();
  private closed = false;
  private attempt = 0;
  private retry: NodeJS.Timeout | undefined;
  private readonly ready: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly onError: (error: Error) => void = () => undefined,
  ) {
    this.ready = this.connect();
  }

  /** Resolves once the first LISTEN is in place (or failed: the feed keeps retrying). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => undefined);
  }

  private emit(change: Parameters<ChangeListener>[0]): void {
    for (const listener of this.listeners) listener(change);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, application_name: 'dak-change-feed' });
    this.client = client;
    // Errors and ends of this connection are handled here; pg would crash the process otherwise.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      const [table, accountId] = (message.payload ?? '').split(':');
      if (table && accountId) this.emit({ table: table as ChangedTable, accountId });
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
      this.attempt = 0;
    } catch (error) {
      this.lost(client, error as Error);
      return;
    }
    // Whatever changed before this LISTEN was not heard.
    this.emit('reset');
  }

  private lost(client: pg.Client, error?: Error): void {
    if (this.client !== client || this.closed) return;
    this.client = undefined;
    if (error) this.onError(error);
    client.end().catch(() => undefined);
    this.emit('reset');
    const delay = RECONNECT_MS[Math.min(this.attempt++, RECONNECT_MS.length - 1)]!;
    this.retry = setTimeout(() => void this.connect(), delay);
    this.retry.unref();
  }
}

/**
 * A read-through cache of per-account rows, dropped by account when the change feed announces a
 * change to one of its tables. Values are promises, so concurrent misses share one query;
 * misses (undefined) and failures are not kept. The TTL is a backstop only.
 */
export class AccountCache<V> {
  private readonly entries = new Map<
    string,
    { accountId: string | undefined; value: Promise<V | undefined>; expires: number }
  >();

  constructor(
    feed: ChangeFeed,
    private readonly tables: ChangedTable[],
    private readonly accountOf: (value: V) => string,
    private readonly ttlMs = 60_000,
  ) {
    feed.subscribe((change) => {
      if (change === 'reset') this.entries.clear();
      else if (this.tables.includes(change.table)) this.dropAccount(change.accountId);
    });
  }

  get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expires > now) return cached.value;
    const value = load();
    const entry = { accountId: undefined as string | undefined, value, expires: now + this.ttlMs };
    this.entries.set(key, entry);
    value.then(
      (found) => {
        if (found === undefined) this.forget(key, entry);
        else entry.accountId = this.accountOf(found);
      },
      () => this.forget(key, entry),
    );
    return value;
  }

  private forget(key: string, entry: unknown): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private dropAccount(accountId: string): void {
    // An entry still loading has no account yet: drop it too, it may have read the old row.
    for (const [key, entry] of this.entries)
      if (entry.accountId === accountId || entry.accountId === undefined) this.entries.delete(key);
  }
}
