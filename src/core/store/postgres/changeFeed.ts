/**
 * Change events of a PostgreSQL store (issue 19 "Other windows' views refresh within a second of a change"):
 * every committing transaction that wrote rows sends `NOTIFY ixhaus_store_change, '<json tables>'` inside the
 * transaction (PostgreSQL delivers it at commit, never for a rollback), and each process that listens keeps one
 * dedicated connection with `LISTEN ixhaus_store_change`.
 *
 * The listening connection can end (server restart, `pg_terminate_backend`, network): the feed reconnects with
 * backoff (1 s doubling to 30 s) and, once listening again, reports a change of unknown tables — notifications
 * sent while it was away are lost, so listeners refresh everything.
 */
import type { Client, Notification } from 'pg';
import type { Logger } from '../../log';
import type { StoreChange } from '../storeChange';

/** The channel name (PostgreSQL identifiers are lower case). */
export const CHANGE_CHANNEL = 'ixhaus_store_change';

/** PostgreSQL limits a NOTIFY payload to 8000 bytes: above this many tables the payload says "unknown tables". */
const MAX_TABLES_IN_PAYLOAD = 100;

/** The NOTIFY payload for a committed change of `tables` (JSON array; empty = unknown tables). */
export function changePayload(tables: ReadonlySet<string>): string {
  return JSON.stringify(tables.size > MAX_TABLES_IN_PAYLOAD ? [] : [...tables].sort());
}

/** The change a payload describes; a payload that is not a JSON array of names means "unknown tables". */
export function parseChangePayload(payload: string | undefined): StoreChange {
  try {
    const parsed: unknown = JSON.parse(payload ?? '');
    if (Array.isArray(parsed) && parsed.every((t) => typeof t === 'string' && /^\w+$/.test(t)))
      return { tables: new Set(parsed) };
  } catch {
    // fall through: unknown tables
  }
  return { tables: new Set() };
}

/** State of the listening connection, for the status bar. */
export type FeedState = 'listening' | 'reconnecting';

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/** One LISTEN connection shared by the listeners of one store; started on the first listener, ended by close(). */
export class ChangeFeed {
  private readonly listeners = new Set<(change: StoreChange) => void>();
  private readonly stateListeners = new Set<(state: FeedState, error?: string) => void>();
  private client: Client | undefined;
  private retryMs = FIRST_RETRY_MS;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private starting: Promise<void> | undefined;

  constructor(
    private readonly newClient: () => Client,
    private readonly log: Logger,
  ) {}

  /** Adds a change listener (starting the LISTEN connection on the first); returns the remover. */
  onDidChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    if (this.client === undefined && this.starting === undefined && this.timer === undefined) void this.start(false);
    return () => this.listeners.delete(listener);
  }

  /** Adds a listener for the LISTEN connection's state (lost → reconnecting, back → listening). */
  onDidChangeState(listener: (state: FeedState, error?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Resolves once the LISTEN is in place (or the first attempt failed and a retry is scheduled). For tests. */
  ready(): Promise<void> {
    return this.starting ?? Promise.resolve();
  }

  /** Ends the LISTEN connection and any pending reconnect. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private start(afterLoss: boolean): Promise<void> {
    this.starting = (async () => {
      const client = this.newClient();
      try {
        await client.connect();
        await client.query(`LISTEN ${CHANGE_CHANNEL}`);
      } catch (error) {
        await client.end().catch(() => undefined);
        this.scheduleRetry(error);
        return;
      }
      if (this.closed) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.retryMs = FIRST_RETRY_MS;
      client.on('notification', (n: Notification) => {
        if (n.channel === CHANGE_CHANNEL) this.fire(parseChangePayload(n.payload));
      });
      const lost = (error?: Error): void => {
        if (this.client !== client) return;
        this.client = undefined;
        void client.end().catch(() => undefined);
        this.scheduleRetry(error ?? new Error('the connection ended'));
      };
      client.on('error', lost);
      client.on('end', () => lost());
      if (afterLoss) {
        this.setState('listening');
        this.fire({ tables: new Set() }); // notifications of the gap are lost: refresh everything
      }
    })().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private scheduleRetry(error: unknown): void {
    if (this.closed) return;
    const reason = error instanceof Error ? error.message : String(error);
    this.log.warn(`change notifications paused (${reason}); retrying in ${this.retryMs / 1000} s`);
    this.setState('reconnecting', reason);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.start(true);
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private setState(state: FeedState, error?: string): void {
    for (const l of this.stateListeners) l(state, error);
  }

  private fire(change: StoreChange): void {
    for (const l of this.listeners) {
      try {
        l(change);
      } catch (error) {
        this.log.warn(`a change listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
