/**
 * The file backend behind the asynchronous store interface ({@link AsyncStore}, DESIGN.md §4): a thin adapter
 * over the existing synchronous {@link Store} (sql.js, one file, one writer, atomic save, `.bak`), which it wraps
 * and does not change. Its promises:
 * - operations run one at a time (a queue), so an asynchronous transaction body never interleaves with another
 *   operation of this adapter;
 * - a committed transaction (and a change outside one) is saved to the file before its promise resolves, so
 *   "resolved" means "durable" on both backends (unless the transaction asked for `deferSave`);
 * - `?` placeholders and the dialect-neutral SQL of {@link ./asyncStore} pass to SQLite unchanged.
 *
 * Transition limit (until the core is converted, issue 19): code that uses the wrapped `Store` directly and calls
 * its `save()`/`scheduleSave()` while an asynchronous transaction of this adapter is open would export the open
 * transaction; once every service uses this interface, only the adapter saves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlValue } from 'sql.js';
import type { AsyncStore, AsyncTransaction, SqlParam, SqlRow, TransactionOptions } from './asyncStore';
import type { Store } from './database';
import type { StoreChange } from './storeChange';
import { StoreReadOnlyError, StoreTransactionError } from './errors';

const READING = /^\s*(SELECT|WITH|VALUES|EXPLAIN)\b/i;
const CHANGING = /\b(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b/i;

/** True when `sql` only reads (a SELECT/WITH/VALUES without a changing keyword). */
function onlyReads(sql: string): boolean {
  return READING.test(sql) && !CHANGING.test(sql);
}

function toSqlJs(params: readonly SqlParam[] | undefined): SqlValue[] | undefined {
  if (params === undefined) return undefined;
  return params.map((p) => {
    if (typeof p === 'boolean') return p ? 1 : 0;
    if (typeof p === 'bigint') return Number.isSafeInteger(Number(p)) ? Number(p) : p.toString();
    return p;
  });
}

/** An {@link AsyncStore} over an open sql.js {@link Store}. `close()` closes the wrapped store (saving pending changes). */
export class SqlJsAsyncStore implements AsyncStore {
  readonly backend = 'sqlite' as const;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly insideBody = new AsyncLocalStorage<true>();

  constructor(private readonly store: Store) {}

  get location(): string {
    return this.store.file ?? '(memory)';
  }

  get readOnly(): boolean {
    return this.store.readOnly;
  }

  /** The wrapped store (for the services not converted yet). */
  get syncStore(): Store {
    return this.store;
  }

  query<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    if (onlyReads(sql)) return this.exclusive(() => Promise.resolve(this.store.all(sql, toSqlJs(params)) as T[]));
    return this.transaction((tx) => tx.query<T>(sql, params));
  }

  async get<T extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return (await this.query<T>(sql, params))[0];
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<{ changes: number }> {
    return this.transaction((tx) => tx.run(sql, params));
  }

  /**
   * Runs `body` in one SQLite transaction (BEGIN … COMMIT through the wrapped store), then saves the file.
   * @throws StoreReadOnlyError on a read-only store; StoreTransactionError when a statement is run on the store
   *         itself instead of `tx` inside the body (it would wait for the body for ever); the body's error
   *         (after ROLLBACK); StoreWriteError when the save fails (the change stays in memory and dirty)
   */
  transaction<T>(body: (tx: AsyncTransaction) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.exclusive(async () => {
      if (this.store.readOnly) throw new StoreReadOnlyError(this.store.file, this.store.readOnlyReason ?? 'requested');
      this.store.run('BEGIN');
      let open = true;
      const tx: AsyncTransaction = {
        query: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]> => {
          if (!open) throw new StoreTransactionError('a statement was run on a transaction that has ended');
          return this.store.all(sql, toSqlJs(params)) as R[];
        },
        get: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R | undefined> =>
          (await tx.query<R>(sql, params))[0],
        run: async (sql: string, params?: readonly SqlParam[]) => {
          if (!open) throw new StoreTransactionError('a statement was run on a transaction that has ended');
          return { changes: this.store.run(sql, toSqlJs(params)).changes };
        },
        // one writer, transactions one at a time (the queue): already serialised
        lock: async () => undefined,
      };
      let result: T;
      try {
        result = await this.insideBody.run(true, () => body(tx));
      } catch (error) {
        open = false;
        this.store.run('ROLLBACK');
        throw error;
      }
      open = false;
      this.store.run('COMMIT'); // through run(): the store counts a change and tells its listeners after the commit
      if (options.deferSave === true) this.store.scheduleSave();
      else await this.store.save();
      return result;
    });
  }

  onDidChange(listener: (change: StoreChange) => void): () => void {
    return this.store.onDidChange(listener);
  }

  async schemaVersion(): Promise<number> {
    return this.store.schemaVersion();
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.store.close();
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.insideBody.getStore() === true) {
      return Promise.reject(
        new StoreTransactionError('inside a transaction body, run statements on its tx argument, not on the store'),
      );
    }
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/**
 * The statements of a transaction the caller already holds on the synchronous store (`Store.transactionAsync`), as
 * the core's {@link AsyncTransaction}: for the demo generator, which writes a new store in bulk through the sync
 * engine and installs its license through the asynchronous license service. Nothing is queued or saved here.
 */
export function directTransaction(store: Store): AsyncTransaction {
  const tx: AsyncTransaction = {
    query: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]> =>
      store.all(sql, toSqlJs(params)) as R[],
    get: async <R extends SqlRow = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R | undefined> =>
      (await tx.query<R>(sql, params))[0],
    run: async (sql: string, params?: readonly SqlParam[]) => ({ changes: store.run(sql, toSqlJs(params)).changes }),
    lock: async () => undefined,
  };
  return tx;
}
