import * as fs from 'node:fs/promises';
import { lstatSync } from 'node:fs';
import * as path from 'node:path';
import type { BindParams, Database, SqlJsStatic, SqlValue, Statement } from 'sql.js';
import { silentLogger, taggedLogger } from '../log';
import type { Logger } from '../log';
import { backupPathOf, removeStaleTempFiles, writeFileAtomic } from './atomicFile';
import { checksumOf, checksumPathOf, matches, readChecksumFile, recordBeforeReplace } from './storeChecksum';
import type { ChecksumEntry } from './storeChecksum';
import { acquireLock, describeOwner, LOCK_SUFFIX, releaseLock, stillHeld } from './storeLock';
import type { LockOwner } from './storeLock';
import {
  StoreChecksumError,
  StoreConflictError,
  StoreError,
  StoreExistsError,
  StoreFolderMissingError,
  StoreIntactError,
  StoreLockBrokenError,
  StoreLockedError,
  StoreNoBackupError,
  StoreNotAFileError,
  StoreNotFoundError,
  StoreReadOnlyError,
  StoreTooLargeError,
  StoreTransactionError,
  StoreWriteError,
} from './errors';
import { checkOpenedDatabase, checkSqliteBytes, pragmaNumber } from './fileCheck';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations';
import { loadSqlJs } from './sqlJs';
import { writtenTable } from './storeChange';
import type { StoreChange } from './storeChange';

/** A row as returned by {@link Store.all}: column name → SQLite value. */
export type Row = Record<string, SqlValue>;

/** Why a store is read-only. */
export type ReadOnlyReason = 'requested' | 'locked' | 'lock-lost' | 'conflict';

/** Options of {@link Store.open} and {@link Store.create}. */
export interface StoreOptions {
  /** open without the write lock and refuse every change */
  readonly readOnly?: boolean;
  /** take the OS-level write lock (default true); tools that manage exclusivity themselves may pass false */
  readonly lock?: boolean;
  readonly logger?: Logger;
  /** an already loaded sql.js module (else the pinned one is loaded from disk) */
  readonly sqlJs?: SqlJsStatic;
  /** size (bytes) from which every save logs a warning that the in-memory store grows large; default 200 MB (field case C30) */
  readonly sizeWarningBytes?: number;
  /**
   * wait this long (ms) for another writer to release the lock before opening read-only (default 0: at once).
   * The CLI's changing verbs wait, so that two scripts started together both succeed one after the other.
   */
  readonly waitForLockMs?: number;
  /** how often (ms) a writer looks whether its lock was taken over, to tell the UI early; default 2 000 */
  readonly lockCheckMs?: number;
  /** open: run `PRAGMA quick_check` even when the checksum matches (as `store check --full`; the bench compares) */
  readonly fullCheck?: boolean;
  /**
   * open: take the write lock even though another process holds it (after the user confirmed that no other
   * window uses the store, e.g. one left behind by a closed browser tab). The other holder becomes read-only.
   */
  readonly takeOver?: boolean;
  /** called when this store lost its write lock to another process and became read-only */
  readonly onLockLost?: () => void;
}

/** Options of {@link Store.create}. */
export interface CreateOptions extends StoreOptions {
  /**
   * fills the new store before its first save (demo data, the first admin); when it throws, the file is not
   * created, so a failed creation leaves nothing behind and no `.bak` of an empty schema exists
   */
  readonly populate?: (store: Store) => Promise<void> | void;
  /**
   * create a missing folder of `file` (default true: the extension's own storage folder may not exist yet);
   * false: refuse with StoreFolderMissingError (the CLI: a mistyped path must not create folders)
   */
  readonly createFolder?: boolean;
}

/** Facts about an open store, for `store info` and the status bar. */
export interface StoreFacts {
  readonly file: string | undefined;
  readonly schemaVersion: number;
  readonly pageSize: number;
  readonly pageCount: number;
  /** database size in bytes (page size × page count) */
  readonly sizeBytes: number;
  readonly readOnly: boolean;
  readonly readOnlyReason: ReadOnlyReason | undefined;
}

/**
 * Pragmas of every connection. sql.js's `export()` closes and reopens the database in some versions, which
 * resets them (field case C29), so they are applied again after every export.
 */
const CONNECTION_PRAGMAS = ['PRAGMA foreign_keys = ON', 'PRAGMA recursive_triggers = ON'];

const DEFAULT_SIZE_WARNING = 200 * 1024 * 1024;

/** How errors name a store image opened in memory (it has no file). */
const IN_MEMORY_IMAGE = '(store image in memory)';

/**
 * The suite's store: one SQLite database kept in memory by sql.js and saved to one file
 * (DESIGN.md §4, issue "Foundation" §2–3). Its promises:
 * - a save replaces the file atomically (temp → fsync → rename → fsync folder) and keeps one `.bak`;
 * - saves are serialised and coalesced; a save requested inside a transaction runs when the transaction ends;
 * - connection pragmas (foreign keys on) hold after every save; cached prepared statements are freed before
 *   each export and prepared afresh afterwards;
 * - an existing file is opened only when it is an intact ixhaus-admin store, and never overwritten by a fresh
 *   schema; one writer at a time (storeLock.ts: the lock is taken before the file is read, a live holder is never
 *   stale by time, a dead one is replaced at once), every other opener is read-only;
 * - every save records a checksum of the bytes it wrote (storeChecksum.ts) that open verifies, and refuses to
 *   overwrite a file other than the one this store read or last wrote (compare-and-swap on the file's identity).
 */
export class Store {
  /** The absolute store path, or undefined for an in-memory store. */
  readonly file: string | undefined;
  private db: Database;
  private readonly log: Logger;
  private readonly sizeWarningBytes: number;
  private readOnlyReasonValue: ReadOnlyReason | undefined;
  private lockOwner: LockOwner | undefined;
  private lockWatch: NodeJS.Timeout | undefined;
  private readonly onLockLost: (() => void) | undefined;
  /** identity of the file this store read or last wrote; null: no file expected yet (create) */
  private diskIdentity: FileIdentity | null | undefined;
  /** checksum of the file on disk (what this store read or last wrote) and the older entries of `<file>.sum` */
  private diskChecksum: ChecksumEntry | undefined;
  private olderChecksums: readonly ChecksumEntry[] = [];
  private readonly statements = new Map<string, Statement>();
  private transactionDepth = 0;
  private waitingForTransactionEnd: Array<() => void> = [];
  private saveChain: Promise<void> = Promise.resolve();
  private queuedSave: Promise<void> | undefined;
  private changeGeneration = 0;
  private savedGeneration = 0;
  private wroteFile = false;
  /** true while {@link Store.create} runs: its saves keep no `.bak` */
  private creating = false;
  private closed = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly changeListeners = new Set<(change: StoreChange) => void>();
  /** tables written since the last change notification (see {@link StoreChange}) */
  private readonly writtenTables = new Set<string>();

  private constructor(
    file: string | undefined,
    db: Database,
    options: StoreOptions,
    readOnlyReason: ReadOnlyReason | undefined,
  ) {
    this.file = file;
    this.db = db;
    this.log = taggedLogger(options.logger ?? silentLogger, 'store');
    this.sizeWarningBytes = options.sizeWarningBytes ?? DEFAULT_SIZE_WARNING;
    this.readOnlyReasonValue = readOnlyReason;
    this.onLockLost = options.onLockLost;
    this.applyPragmas();
  }

  /**
   * Creates a new store file with the latest schema.
   * Saves made while it is being created (by `populate`, e.g. the transactions of the first admin or of a copy) and
   * the final save keep no `.bak`: a `.bak` of an earlier, emptier state of the same creation would be offered as
   * a valid backup (`store check`, `store restore --force`) and restore an empty store.
   * @throws StoreExistsError when anything exists at `file` (a store is never created over a file);
   *         StoreFolderMissingError when its folder is missing and `createFolder` is false;
   *         StoreWriteError when the folder is not writable or the disk is full.
   */
  static async create(file: string, options: CreateOptions = {}): Promise<Store> {
    const absolute = path.resolve(file);
    if (await exists(absolute)) throw new StoreExistsError(absolute);
    if (options.createFolder === false) {
      const folder = path.dirname(absolute);
      const isFolder = await fs.stat(folder).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isFolder) throw new StoreFolderMissingError(absolute, folder);
    } else await fs.mkdir(path.dirname(absolute), { recursive: true });
    const SQL = options.sqlJs ?? (await loadSqlJs());
    const store = new Store(absolute, new SQL.Database(), options, undefined);
    store.diskIdentity = null;
    store.creating = true;
    try {
      await store.takeLock({ ...options, takeOver: false, waitForLockMs: 0 });
      if (store.readOnly) throw new StoreExistsError(absolute); // another process is creating it right now
      if (await exists(absolute)) throw new StoreExistsError(absolute);
      store.migrate();
      await options.populate?.(store);
      await store.save();
      store.creating = false;
    } catch (error) {
      const written = store.wroteFile;
      await store.close({ save: false }).catch(() => undefined);
      if (written) await fs.rm(absolute, { force: true }).catch(() => undefined);
      // a checksum file recorded by a save whose rename then failed
      if (!(await exists(absolute))) await fs.rm(checksumPathOf(absolute), { force: true }).catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * Opens an existing store file. A writer takes the lock first and reads the file only then, so that it never
   * works on a copy another writer is about to replace. The file is checked before anything else happens (not
   * empty, SQLite, not cut short, its checksum — or, for a file without one, `PRAGMA quick_check` —, ours, not
   * newer than this build); an older schema is migrated and saved (the pre-migration file stays as `.bak`). When
   * another process holds the write lock (after `waitForLockMs`), the store is opened read-only and
   * {@link readOnlyReason} says `locked`.
   * @throws StoreNotFoundError, StoreEmptyError, StoreNotSqliteError, StoreTruncatedError, StoreChecksumError,
   *         StoreCorruptError, StoreForeignError, StoreTooNewError — each with `backupFile` set when a valid
   *         `.bak` exists; StoreLockBrokenError for a foreign file at `<file>.lock`.
   */
  static async open(file: string, options: StoreOptions = {}): Promise<Store> {
    const absolute = path.resolve(file);
    const SQL = options.sqlJs ?? (await loadSqlJs());
    if (!(await exists(absolute))) throw new StoreNotFoundError(absolute);
    const store = new Store(absolute, new SQL.Database(), options, options.readOnly ? 'requested' : undefined);
    let loaded: VerifiedStoreFile;
    try {
      if (!options.readOnly) await store.takeLock(options);
      loaded = await readVerifiedStoreFile(SQL, absolute, { full: options.fullCheck === true });
    } catch (error) {
      await store.close({ save: false }).catch(() => undefined);
      // a damaged file is offered its backup; a foreign lock file is not the store's damage
      if (
        error instanceof StoreError &&
        !(error instanceof StoreNotFoundError) &&
        !(error instanceof StoreLockBrokenError)
      ) {
        error.backupFile = await findValidBackup(SQL, absolute);
      }
      throw error;
    }
    store.db.close();
    store.db = loaded.db;
    store.applyPragmas();
    store.diskIdentity = loaded.identity;
    store.diskChecksum = loaded.checksum;
    store.olderChecksums = loaded.olderChecksums;
    try {
      if (!store.readOnly) {
        const removed = await removeStaleTempFiles(absolute);
        if (removed.length > 0) store.log.info(`removed ${removed.length} temp file(s) of an interrupted save`);
      }
      if (store.schemaVersion() < LATEST_SCHEMA_VERSION) {
        if (store.readOnly) {
          store.log.warn(
            `${absolute} has schema ${store.schemaVersion()} < ${LATEST_SCHEMA_VERSION}; read-only, so not migrated`,
          );
        } else {
          store.migrate();
          await store.save();
        }
      }
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * Creates a store that lives only in memory (tests, previews). `save()` is a no-op for it. With `image` (the bytes
   * of a store file) it starts as a copy of that store, checked like a file on open and migrated when older; the
   * image itself is never changed.
   * @throws StoreNotSqliteError, StoreTruncatedError, StoreCorruptError, StoreForeignError, StoreTooNewError for a bad image
   */
  static async inMemory(options: StoreOptions & { readonly image?: Uint8Array } = {}): Promise<Store> {
    const SQL = options.sqlJs ?? (await loadSqlJs());
    let db: Database;
    if (options.image) {
      checkSqliteBytes(IN_MEMORY_IMAGE, options.image);
      // a copy: sql.js's file system may keep the array it is given (a Node Buffer's slice() is a view, not a copy)
      db = new SQL.Database(Uint8Array.from(options.image));
      try {
        checkOpenedDatabase(IN_MEMORY_IMAGE, db, LATEST_SCHEMA_VERSION);
      } catch (error) {
        db.close();
        throw error;
      }
    } else {
      db = new SQL.Database();
    }
    const store = new Store(undefined, db, options, undefined);
    store.migrate();
    return store;
  }

  /** True when no change can be made (see {@link readOnlyReason}). */
  get readOnly(): boolean {
    return this.readOnlyReasonValue !== undefined;
  }

  get readOnlyReason(): ReadOnlyReason | undefined {
    return this.readOnlyReasonValue;
  }

  /** True while a {@link transaction} runs. */
  get inTransaction(): boolean {
    return this.transactionDepth > 0;
  }

  /** True when changes exist that no save has written yet. */
  get dirty(): boolean {
    return this.changeGeneration !== this.savedGeneration;
  }

  /** Registers a listener called after every committed change with the tables it wrote; returns a function that removes it. */
  onDidChange(listener: (change: StoreChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The schema version (`PRAGMA user_version`). */
  schemaVersion(): number {
    return pragmaNumber(this.db, 'user_version');
  }

  /** Size and state of the store. */
  facts(): StoreFacts {
    const pageSize = pragmaNumber(this.db, 'page_size');
    const pageCount = pragmaNumber(this.db, 'page_count');
    return {
      file: this.file,
      schemaVersion: this.schemaVersion(),
      pageSize,
      pageCount,
      sizeBytes: pageSize * pageCount,
      readOnly: this.readOnly,
      readOnlyReason: this.readOnlyReasonValue,
    };
  }

  /**
   * A cached prepared statement for `sql`. Valid until the next save, which frees every cached statement
   * (sql.js may invalidate them on export, field case C29); never keep the returned object across an `await`.
   */
  prepared(sql: string): Statement {
    const written = writtenTable(sql);
    if (written) this.writtenTables.add(written);
    this.assertOpen();
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs a query and returns all rows as objects. */
  all<T extends Row = Row>(sql: string, params?: BindParams): T[] {
    const statement = this.prepared(sql);
    try {
      if (params !== undefined) statement.bind(params);
      const rows: T[] = [];
      // getAsObject() asks SQLite for the column names on every row; they are the same for every row, so ask once
      // and pair them with get() (the same object: later duplicate names win) — 3 to 5 times faster on big reads.
      // A column named __proto__ would set the prototype by assignment: such a query keeps getAsObject().
      let names: string[] | undefined;
      while (statement.step()) {
        names ??= statement.getColumnNames();
        if (names.includes('__proto__')) {
          rows.push(statement.getAsObject() as T);
          continue;
        }
        const values = statement.get();
        const row: Row = {};
        for (let i = 0; i < names.length; i++) row[names[i] as string] = values[i] as SqlValue;
        rows.push(row as T);
      }
      return rows;
    } finally {
      statement.reset();
    }
  }

  /** Runs a query and returns its first row, or undefined. */
  get<T extends Row = Row>(sql: string, params?: BindParams): T | undefined {
    const statement = this.prepared(sql);
    try {
      if (params !== undefined) statement.bind(params);
      return statement.step() ? (statement.getAsObject() as T) : undefined;
    } finally {
      statement.reset();
    }
  }

  /** Runs a query and returns the first column of the first row. */
  scalar(sql: string, params?: BindParams): SqlValue | undefined {
    const statement = this.prepared(sql);
    try {
      if (params !== undefined) statement.bind(params);
      return statement.step() ? statement.get()[0] : undefined;
    } finally {
      statement.reset();
    }
  }

  /**
   * Runs a changing statement. Outside a {@link transaction} it is its own transaction. To learn a new row's id,
   * use {@link insertId} (`INSERT … RETURNING id`, dialect-neutral: see ./asyncStore), not `last_insert_rowid()`.
   * @returns the number of changed rows
   * @throws StoreReadOnlyError on a read-only store; the SQLite error (constraint …) otherwise
   */
  run(sql: string, params?: BindParams): { changes: number } {
    this.assertWritable();
    const statement = this.prepared(sql);
    try {
      if (params !== undefined) statement.bind(params);
      statement.step();
    } finally {
      statement.reset();
    }
    const changes = this.db.getRowsModified();
    if (this.transactionDepth === 0) this.markChanged();
    return { changes };
  }

  /**
   * Runs a changing statement that ends in `RETURNING …` (SQLite ≥ 3.35, as in PostgreSQL) and returns the rows
   * it returned, e.g. `INSERT … ON CONFLICT (…) DO NOTHING RETURNING id` (no row when the insert was skipped).
   * Outside a {@link transaction} it is its own transaction. SQLite makes all changes on the first step, so the
   * rows are complete and the change is done when this returns.
   * @throws StoreReadOnlyError on a read-only store; the SQLite error (constraint …) otherwise
   */
  runReturning<T extends Row = Row>(sql: string, params?: BindParams): T[] {
    this.assertWritable();
    const statement = this.prepared(sql);
    const rows: T[] = [];
    try {
      if (params !== undefined) statement.bind(params);
      while (statement.step()) rows.push(statement.getAsObject() as T);
    } finally {
      statement.reset();
    }
    if (this.transactionDepth === 0) this.markChanged();
    return rows;
  }

  /**
   * Runs one `INSERT … RETURNING id` of a single row and returns the new row's `id` (the dialect-neutral
   * replacement of `last_insert_rowid()`, see ./asyncStore).
   * @throws StoreReadOnlyError on a read-only store; the SQLite error (constraint …); an Error when the statement
   *         returned no numeric `id` (it lacks `RETURNING id`, or an `ON CONFLICT … DO NOTHING` skipped the row)
   */
  insertId(sql: string, params?: BindParams): number {
    const id = this.runReturning(sql, params)[0]?.['id'];
    if (typeof id !== 'number')
      throw new Error(
        `insertId: the statement returned no numeric id (does it end in RETURNING id?): ${sql.slice(0, 120)}`,
      );
    return id;
  }

  /**
   * Runs `body` in one transaction: all of it is committed, or, when it throws, none of it (the error is
   * rethrown). Nested calls become savepoints. The body must be synchronous: sql.js is synchronous, and an
   * `await` inside would let other work interleave with the open transaction.
   * @throws StoreReadOnlyError on a read-only store; StoreTransactionError when `body` returns a promise.
   */
  transaction<T>(body: () => T): T {
    this.assertWritable();
    const depth = this.transactionDepth;
    const savepoint = `sp${depth}`;
    this.db.exec(depth === 0 ? 'BEGIN' : `SAVEPOINT ${savepoint}`);
    this.transactionDepth++;
    let result: T;
    try {
      result = body();
      if (result instanceof Promise) {
        result.catch(() => undefined);
        throw new StoreTransactionError('the transaction body returned a promise; it must be synchronous');
      }
    } catch (error) {
      this.transactionDepth--;
      this.db.exec(depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}`);
      if (depth === 0) {
        this.writtenTables.clear();
        this.transactionEnded();
      }
      throw error;
    }
    this.transactionDepth--;
    this.db.exec(depth === 0 ? 'COMMIT' : `RELEASE ${savepoint}`);
    if (depth === 0) {
      this.markChanged();
      this.transactionEnded();
    }
    return result;
  }

  /**
   * Like {@link transaction}, for a body that awaits (the demo generator installs its license through the async
   * license service, {@link ../sqlJsAsyncStore.directTransaction}): BEGIN … COMMIT around it, ROLLBACK when it
   * throws. Not nestable; nothing else may change the store until it settles.
   * @throws StoreReadOnlyError; StoreTransactionError inside another transaction; the body's error (rolled back)
   */
  async transactionAsync<T>(body: () => Promise<T>): Promise<T> {
    this.assertWritable();
    if (this.transactionDepth > 0) throw new StoreTransactionError('an awaiting transaction cannot be nested');
    this.db.exec('BEGIN');
    this.transactionDepth++;
    let result: T;
    try {
      result = await body();
    } catch (error) {
      this.transactionDepth--;
      this.db.exec('ROLLBACK');
      this.writtenTables.clear();
      this.transactionEnded();
      throw error;
    }
    this.transactionDepth--;
    this.db.exec('COMMIT');
    this.markChanged();
    this.transactionEnded();
    return result;
  }

  /**
   * Writes the store to its file (atomically, keeping one `.bak`). Concurrent calls are serialised, and a call
   * made while another save waits to start shares that save. Called inside a transaction, it waits until the
   * transaction ends, so it never exports a half-done change (field case C29).
   * @throws StoreReadOnlyError; StoreWriteError (disk full, permissions — the file keeps its last state);
   *         StoreTooLargeError (WASM memory exhausted during export).
   */
  save(): Promise<void> {
    if (this.file === undefined) return Promise.resolve();
    if (this.readOnlyReasonValue !== undefined)
      return Promise.reject(new StoreReadOnlyError(this.file, this.readOnlyReasonValue));
    if (this.closed) return Promise.reject(new StoreTransactionError('the store is closed'));
    if (this.transactionDepth > 0) {
      return new Promise<void>((resolve) => this.waitingForTransactionEnd.push(resolve)).then(() => this.save());
    }
    if (this.queuedSave) return this.queuedSave;
    const queued = this.saveChain.then(() => {
      this.queuedSave = undefined;
      return this.writeNow();
    });
    this.queuedSave = queued;
    // the chain continues after a failed save; the failure is reported to the caller of that save
    this.saveChain = queued.catch(() => undefined);
    return queued;
  }

  /**
   * Asks for a save after `delayMs` of quiet (coalescing bursts of changes). Failures are logged; callers that
   * must know the change is on disk `await save()` instead.
   */
  scheduleSave(delayMs = 500): void {
    if (this.file === undefined || this.readOnly || this.closed) return;
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.save().catch((error: unknown) => this.log.error(`background save failed: ${String(error)}`));
    }, delayMs);
    this.saveTimer.unref?.();
  }

  /** Saves pending changes (when writable and `save` is not false), frees statements, releases the lock and closes the database. */
  async close(options: { save?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    try {
      if ((options.save ?? true) && this.dirty && !this.readOnly && this.file !== undefined) await this.save();
      else await this.saveChain;
    } finally {
      this.closed = true;
      this.freeStatements();
      this.db.close();
      if (this.lockWatch) clearInterval(this.lockWatch);
      const owner = this.lockOwner;
      this.lockOwner = undefined;
      if (owner && this.file !== undefined) {
        await releaseLock(this.file + LOCK_SUFFIX, owner).catch((error: unknown) =>
          this.log.warn(`releasing the lock failed: ${String(error)}`),
        );
      }
    }
  }

  /** The raw sql.js database, for the store's own migrations and tests of the export pitfalls (C29). */
  rawDatabaseForTests(): Database {
    return this.db;
  }

  private async writeNow(): Promise<void> {
    const file = this.file;
    if (file === undefined || this.closed) return;
    const generation = this.changeGeneration;
    const { sizeBytes } = this.facts();
    if (sizeBytes >= this.sizeWarningBytes) {
      this.log.warn(
        `the store has grown to ${(sizeBytes / 1048576).toFixed(1)} MB; sql.js keeps it all in memory and each save copies it (C30)`,
      );
    }
    this.freeStatements();
    let bytes: Uint8Array;
    try {
      bytes = this.db.export();
    } catch (error) {
      const text = String(error);
      if (error instanceof RangeError || /out of memory|memory access out of bounds|cannot enlarge/i.test(text)) {
        throw new StoreTooLargeError(file, Math.round(sizeBytes / 1048576), error);
      }
      throw new StoreWriteError(file, text, error);
    } finally {
      this.applyPragmas();
    }
    const started = Date.now();
    const checksum = checksumOf(bytes);
    await this.assertFileIsOurs(file);
    try {
      await writeFileAtomic(file, bytes, {
        // no .bak of a state of the creation itself (see Store.create)
        keepBackup: !this.creating,
        beforeReplace: async () => {
          const previous = this.diskChecksum ? [this.diskChecksum, ...this.olderChecksums] : this.olderChecksums;
          this.olderChecksums = (await recordBeforeReplace(file, checksum, previous)).slice(1);
        },
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const detail =
        code === 'ENOSPC'
          ? 'the disk is full'
          : code === 'EACCES' || code === 'EPERM'
            ? 'permission denied'
            : code === 'EROFS'
              ? 'the file system is read-only'
              : String(error);
      throw new StoreWriteError(file, detail, error);
    }
    this.diskChecksum = checksum;
    this.diskIdentity = await fileIdentity(file);
    this.savedGeneration = generation;
    this.wroteFile = true;
    this.log.debug(`saved ${bytes.byteLength} bytes in ${Date.now() - started} ms`);
  }

  private migrate(): void {
    const from = this.schemaVersion();
    const pending = MIGRATIONS.filter((m) => m.version > from);
    if (pending.length === 0) return;
    this.transaction(() => {
      for (const migration of pending) {
        migration.up(this.db);
        this.db.exec(`PRAGMA user_version = ${migration.version}`);
        this.log.info(`schema migrated to ${migration.version} (${migration.name})`);
      }
    });
  }

  private async takeLock(options: StoreOptions): Promise<void> {
    if (this.file === undefined || options.lock === false) return;
    const lockFile = this.file + LOCK_SUFFIX;
    const result = await acquireLock(lockFile, {
      takeOver: options.takeOver === true,
      waitMs: options.waitForLockMs ?? 0,
    });
    if (!result.acquired) {
      this.readOnlyReasonValue = 'locked';
      this.lockHolder = result.holder ? describeOwner(result.holder) : 'an older ixhaus-admin';
      this.log.warn(`${this.file} is locked by ${this.lockHolder}; opened read-only`);
      return;
    }
    if (result.tookOverFrom)
      this.log.warn(`took over the write lock of ${this.file} from ${describeOwner(result.tookOverFrom)}`);
    this.lockOwner = result.owner;
    const owner = result.owner;
    // only to tell the UI early; saves check the lock themselves (assertFileIsOurs), so a busy event loop is harmless
    this.lockWatch = setInterval(
      () => {
        void stillHeld(lockFile, owner).then((held) => {
          if (!held && this.lockOwner === owner && !this.closed) this.lockLost();
        });
      },
      Math.max(options.lockCheckMs ?? 2000, 100),
    );
    this.lockWatch.unref?.();
  }

  /** The holder of the lock when this store was opened read-only because of it (for messages). */
  lockHolder: string | undefined;

  private lockLost(): void {
    this.readOnlyReasonValue = 'lock-lost';
    this.lockOwner = undefined;
    if (this.lockWatch) clearInterval(this.lockWatch);
    this.log.error(
      `lost the write lock on ${this.file ?? ''}: another window or program took it over; the store is now read-only`,
    );
    this.onLockLost?.();
  }

  /**
   * The compare-and-swap before every save: this store still holds the lock, and the file on disk is the one it
   * read or last wrote (same device, inode, size and modification time — every save replaces the file by a
   * rename, so another writer's save always changes the inode). Otherwise nothing is written.
   * @throws StoreConflictError (and the store becomes read-only)
   */
  private async assertFileIsOurs(file: string): Promise<void> {
    if (this.lockOwner && !(await stillHeld(file + LOCK_SUFFIX, this.lockOwner))) {
      this.lockLost();
      throw new StoreConflictError(file, 'another window or program took over its write lock');
    }
    const onDisk = await fileIdentity(file);
    const expected = this.diskIdentity;
    if (expected === undefined) return;
    if (expected === null ? onDisk !== null : onDisk === null || !sameIdentity(expected, onDisk)) {
      this.readOnlyReasonValue = 'conflict';
      this.log.error(
        `${file} was changed by another window or program since this one read it; not saved, now read-only`,
      );
      throw new StoreConflictError(
        file,
        onDisk === null
          ? 'the file was removed or renamed by another window or program'
          : 'the file on disk was changed by another window or program since this one read it',
      );
    }
  }

  private transactionEnded(): void {
    const waiting = this.waitingForTransactionEnd;
    this.waitingForTransactionEnd = [];
    for (const resolve of waiting) resolve();
  }

  private markChanged(): void {
    this.changeGeneration++;
    const change: StoreChange = { tables: new Set(this.writtenTables) };
    this.writtenTables.clear();
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error(`change listener failed: ${String(error)}`);
      }
    }
  }

  private applyPragmas(): void {
    for (const pragma of CONNECTION_PRAGMAS) this.db.exec(pragma);
  }

  private freeStatements(): void {
    for (const statement of this.statements.values()) {
      try {
        statement.free();
      } catch {
        // already invalidated by an export in some sql.js versions (C29)
      }
    }
    this.statements.clear();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreTransactionError('the store is closed');
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnlyReasonValue !== undefined) throw new StoreReadOnlyError(this.file, this.readOnlyReasonValue);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    lstatSync(file); // one metadata call: synchronous is cheaper than a thread-pool round trip
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Identity of a file on disk for the compare-and-swap of {@link Store.save}. */
interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

function identityOf(stat: { dev: bigint; ino: bigint; size: bigint; mtimeNs: bigint }): FileIdentity {
  return { dev: stat.dev, ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs };
}

/** The identity of `file`, or null when it does not exist. */
async function fileIdentity(file: string): Promise<FileIdentity | null> {
  try {
    return identityOf(await fs.stat(file, { bigint: true }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** A store file read and checked by {@link readVerifiedStoreFile}. */
interface VerifiedStoreFile {
  readonly db: Database;
  /** identity of the file whose bytes were read (fstat of the same handle) */
  readonly identity: FileIdentity;
  /** the checksum of the bytes read */
  readonly checksum: ChecksumEntry;
  /** the other entries of `<file>.sum` (none for a file without one) */
  readonly olderChecksums: readonly ChecksumEntry[];
  /** how the content was verified */
  readonly verifiedBy: 'checksum' | 'quick_check';
}

/** Reads `file` through one handle: its bytes and the identity of exactly the file they came from. */
async function readStoreBytes(file: string): Promise<{ bytes: Buffer; identity: FileIdentity }> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new StoreNotFoundError(file);
    if (code === 'EISDIR') throw new StoreNotAFileError(file);
    throw error;
  }
  try {
    const stat = await handle.stat({ bigint: true });
    if (stat.isDirectory()) throw new StoreNotAFileError(file);
    return { bytes: await handle.readFile(), identity: identityOf(stat) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw new StoreNotAFileError(file);
    throw error;
  } finally {
    await handle.close();
  }
}

/**
 * Reads `file`, checks its bytes and opens it in sql.js (see {@link Store.open} for the checks). The checksum file
 * is read *after* the store, so that a save running meanwhile (which writes the checksum file before it renames
 * the store) never makes an intact file look damaged to a reader.
 * @param options.full run `PRAGMA quick_check` even when the checksum matches (`store check --full`)
 */
async function readVerifiedStoreFile(
  SQL: SqlJsStatic,
  file: string,
  options: { full: boolean },
): Promise<VerifiedStoreFile> {
  const { bytes, identity } = await readStoreBytes(file);
  checkSqliteBytes(file, bytes);
  const sums = await readChecksumFile(file);
  let checksum: ChecksumEntry | undefined;
  let olderChecksums: readonly ChecksumEntry[] = [];
  if (sums.kind !== 'none') {
    const entries = sums.kind === 'entries' ? sums.entries : [];
    checksum = entries.find((entry) => matches(entry, bytes));
    if (!checksum) throw new StoreChecksumError(file, checksumPathOf(file));
    olderChecksums = entries.filter((entry) => entry !== checksum);
  }
  const verifiedBy = checksum && !options.full ? 'checksum' : 'quick_check';
  const db = new SQL.Database(bytes);
  try {
    checkOpenedDatabase(file, db, LATEST_SCHEMA_VERSION, { quickCheck: verifiedBy === 'quick_check' });
  } catch (error) {
    db.close();
    throw error;
  }
  // a file without a checksum file (older stores, files from other tools) gets one with its next save
  return { db, identity, checksum: checksum ?? checksumOf(bytes), olderChecksums, verifiedBy };
}

/**
 * Returns `<file>.bak` when it exists and itself passes every check, else undefined. A backup whose checksum is
 * in `<file>.sum` needs no quick_check; one that is not (a crash came between writing the checksum file and
 * keeping the backup, or the store predates checksums) gets the full quick_check.
 */
async function findValidBackup(SQL: SqlJsStatic, file: string): Promise<string | undefined> {
  const backup = backupPathOf(file);
  try {
    const { bytes } = await readStoreBytes(backup);
    checkSqliteBytes(backup, bytes);
    const sums = await readChecksumFile(file);
    const known = sums.kind === 'entries' && sums.entries.some((entry) => matches(entry, bytes));
    const db = new SQL.Database(bytes);
    try {
      checkOpenedDatabase(backup, db, LATEST_SCHEMA_VERSION, { quickCheck: !known });
    } finally {
      db.close();
    }
    return backup;
  } catch {
    return undefined;
  }
}

/** The result of {@link verifyStoreFile}. */
export interface StoreFileCheck {
  readonly schemaVersion: number;
  readonly sizeBytes: number;
  readonly backupFile: string | undefined;
  /** 'checksum': the bytes match the checksum of the last save; 'quick_check': SQLite's check ran (no checksum, or --full) */
  readonly verifiedBy: 'checksum' | 'quick_check';
}

/**
 * Checks a store file without changing it or anything beside it (no lock, no migration): the same checks as
 * {@link Store.open}. Used by `store check`.
 * @param options.full also run `PRAGMA quick_check` when the checksum matches (`store check --full`)
 * @returns the schema version and size facts
 * @throws the same typed errors as {@link Store.open}, with `backupFile` set when a valid `.bak` exists
 */
export async function verifyStoreFile(
  file: string,
  sqlJs?: SqlJsStatic,
  options: { full?: boolean } = {},
): Promise<StoreFileCheck> {
  const absolute = path.resolve(file);
  const SQL = sqlJs ?? (await loadSqlJs());
  let loaded: VerifiedStoreFile;
  try {
    loaded = await readVerifiedStoreFile(SQL, absolute, { full: options.full === true });
  } catch (error) {
    if (error instanceof StoreError && !(error instanceof StoreNotFoundError))
      error.backupFile = await findValidBackup(SQL, absolute);
    throw error;
  }
  const { db } = loaded;
  try {
    return {
      schemaVersion: pragmaNumber(db, 'user_version'),
      sizeBytes: pragmaNumber(db, 'page_size') * pragmaNumber(db, 'page_count'),
      backupFile: await findValidBackup(SQL, absolute),
      verifiedBy: loaded.verifiedBy,
    };
  } finally {
    db.close();
  }
}

/**
 * Replaces a damaged store with its valid `.bak`: the damaged file is moved aside to
 * `<file>.damaged-<UTC timestamp>` (never deleted), then the backup is copied into place atomically and its
 * checksum recorded. Holds the store's write lock meanwhile.
 * @param options.force restore even when the store itself is intact
 * @returns the path the damaged file was moved to
 * @throws StoreNoBackupError; StoreIntactError (an intact store without `force`); StoreCorruptError (or another
 *         StoreError) when the backup itself does not pass the checks; StoreLockedError when another window or
 *         program has the store open for writing
 */
export async function restoreFromBackup(
  file: string,
  options: { sqlJs?: SqlJsStatic; now?: Date; force?: boolean } = {},
): Promise<string> {
  const absolute = path.resolve(file);
  const SQL = options.sqlJs ?? (await loadSqlJs());
  const backup = backupPathOf(absolute);
  if (!(await exists(backup))) throw new StoreNoBackupError(absolute, backup);
  const lockFile = absolute + LOCK_SUFFIX;
  const lock = await acquireLock(lockFile);
  if (!lock.acquired)
    throw new StoreLockedError(absolute, lock.holder ? describeOwner(lock.holder) : 'an older ixhaus-admin');
  try {
    if (!options.force && (await exists(absolute))) {
      const intact = await readVerifiedStoreFile(SQL, absolute, { full: false }).then(
        (loaded) => (loaded.db.close(), true),
        () => false,
      );
      if (intact) throw new StoreIntactError(absolute);
    }
    if ((await findValidBackup(SQL, absolute)) === undefined) {
      // say why: the backup's own check fails with its typed error
      const { bytes } = await readStoreBytes(backup);
      checkSqliteBytes(backup, bytes);
      const db = new SQL.Database(bytes);
      try {
        checkOpenedDatabase(backup, db, LATEST_SCHEMA_VERSION, { quickCheck: true });
      } finally {
        db.close();
      }
    }
    const bytes = await fs.readFile(backup);
    const now = options.now ?? new Date();
    const aside = `${absolute}.damaged-${now.toISOString().replace(/[:.]/g, '-')}`;
    if (await exists(absolute)) await fs.rename(absolute, aside);
    const sums = await readChecksumFile(absolute);
    await writeFileAtomic(absolute, bytes, {
      keepBackup: false,
      beforeReplace: async () =>
        void (await recordBeforeReplace(absolute, checksumOf(bytes), sums.kind === 'entries' ? sums.entries : [])),
    });
    return aside;
  } finally {
    await releaseLock(lockFile, lock.owner);
  }
}
