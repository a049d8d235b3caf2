import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Logger } from '../core/log';
import { generateDemoData } from '../core/demo/demoData';
import type { DemoSummary } from '../core/demo/demoData';
import { Store, restoreFromBackup } from '../core/store/database';
import type { StoreChange } from '../core/store/storeChange';
import type { AsyncStore } from '../core/store/asyncStore';
import { SqlJsAsyncStore } from '../core/store/sqlJsAsyncStore';
import { isPostgresUrl, parseStoreLocation } from '../core/store/location';
import type { PostgresLocation, StoreLocation } from '../core/store/location';
import { openStore } from '../core/store/openStore';
import { PostgresPasswordError } from '../core/store/postgres/errors';
import type { PostgresStore } from '../core/store/postgres/postgresStore';
import { localizedMessage } from './errors';
import { CONFIG, CONTEXT_KEYS } from './ids';

/** Default file name of the demo store in the extension's global storage folder. */
export const DEFAULT_STORE_NAME = 'ixhaus-demo.sqlite';

/** From this size (bytes) opening a store shows a notification with progress, below it the status-bar spinner. */
const LARGE_STORE_BYTES = 20 * 1024 * 1024;

/**
 * PostgreSQL change notifications arriving within this window (ms) are passed on as one change (the union of their
 * tables): a bulk write by another process (an import: hundreds of commits) refreshes the views a few times a
 * second instead of hundreds of times, and a single change still reaches the views well within a second.
 */
export const CHANGE_COALESCE_MS = 100;

/** The secret-storage key of a PostgreSQL store's password: the URL without password ({@link PostgresLocation.redacted}). */
export function storePasswordKey(location: PostgresLocation): string {
  return `ixhaus.store.password:${location.redacted}`;
}

/** `host:port` of a PostgreSQL store, as the core's errors name it. */
export function serverOf(location: PostgresLocation): string {
  return `${location.host.includes(':') ? `[${location.host}]` : location.host}:${location.port}`;
}

/** State of the connection that carries a PostgreSQL store's change notifications (for the status bar). */
export interface StoreConnectionState {
  readonly state: 'listening' | 'reconnecting';
  /** `host:port` */
  readonly server: string;
  /** why the connection was lost (the driver's one-line reason); only while reconnecting */
  readonly error: string | undefined;
}

/**
 * Owns the one open store of this window (issue 19): a file (setting `ixhaus.store.path`, else the demo store in
 * global storage) or a PostgreSQL database (the setting holds a `postgres://user@host:port/db` URL; the password
 * lives in secret storage under {@link storePasswordKey}). Opening, switching, closing, and the `ixhaus:storeOpen` /
 * `ixhaus:readOnly` context keys. Fires {@link onDidChangeStore} when another store is opened, {@link onDidChangeData}
 * after committed changes (file: of this window, at once; PostgreSQL: of every process, coalesced over
 * {@link CHANGE_COALESCE_MS}) and {@link onDidChangeConnection} when a PostgreSQL store's connection is lost or back.
 */
export class StoreHost implements vscode.Disposable {
  private current: Store | undefined;
  private currentDb: AsyncStore | undefined;
  private currentLocation: StoreLocation | undefined;
  private listeners: Array<() => void> = [];
  private pending: { tables: Set<string>; unknown: boolean; timer: NodeJS.Timeout } | undefined;
  private readonly storeEmitter = new vscode.EventEmitter<AsyncStore | undefined>();
  private readonly dataEmitter = new vscode.EventEmitter<StoreChange>();
  private readonly connectionEmitter = new vscode.EventEmitter<StoreConnectionState>();
  readonly onDidChangeStore = this.storeEmitter.event;
  readonly onDidChangeData = this.dataEmitter.event;
  readonly onDidChangeConnection = this.connectionEmitter.event;
  /**
   * The secret-storage key of a PostgreSQL store's password: {@link storePasswordKey} by default; the systems host
   * (issue 20) keys the active system's store password by the system's id instead.
   */
  passwordKeyOf: (location: PostgresLocation) => string = storePasswordKey;

  constructor(
    private readonly globalStorage: vscode.Uri,
    private readonly logger: Logger,
    private readonly secrets: vscode.SecretStorage,
  ) {}

  /**
   * The open store's file engine (sql.js), or undefined — also when a PostgreSQL store is open. Only for what
   * exists for a file (lock holder, take-over, size, restore from `.bak`) and for the services not converted to
   * {@link db} yet (none since issue 19: every service takes the asynchronous store).
   */
  get store(): Store | undefined {
    return this.current;
  }

  /**
   * The open store as the core's asynchronous interface (issue 19), on either backend: what converted services
   * take. Its transactions save the file themselves (no `save()` / `scheduleSave()` after them).
   */
  get db(): AsyncStore | undefined {
    return this.currentDb;
  }

  /** Where the open store is (a file, or a PostgreSQL URL without password), or undefined. */
  get location(): StoreLocation | undefined {
    return this.currentLocation;
  }

  /**
   * The store named by the setting (a file path, resolved; or a `postgres://` URL as written), else the default
   * demo store path.
   */
  configuredPath(): { file: string; fromSetting: boolean } {
    const configured = vscode.workspace.getConfiguration(CONFIG.section).get<string>(CONFIG.storePath, '').trim();
    if (configured && isPostgresUrl(configured)) return { file: configured, fromSetting: true };
    if (configured) return { file: path.resolve(configured), fromSetting: true };
    return { file: path.join(this.globalStorage.fsPath, DEFAULT_STORE_NAME), fromSetting: false };
  }

  /**
   * Opens the configured store at start-up. On first start without a setting and without the default file, the
   * demo store is created there (product.md §1). A missing file named by the setting is an error, never created.
   * A PostgreSQL URL is connected to with the password from secret storage (asked for when there is none).
   */
  async openConfigured(): Promise<void> {
    const { file, fromSetting } = this.configuredPath();
    if (isPostgresUrl(file)) {
      await this.openPostgres(file);
      return;
    }
    if (!fromSetting && !fs.existsSync(file)) {
      await this.createDemo(file);
      return;
    }
    await this.open(file);
  }

  /**
   * Connects to the PostgreSQL store `url`, with progress; only then closes the current store and shows the new
   * one. The password comes from secret storage (key {@link storePasswordKey}); when there is none it is asked for
   * once, and it is stored only after the connection succeeded. When the server refuses the password, the user is
   * told (the core's message) and offered "Change Password…". Never logs the password.
   * @returns the open store, or undefined when the user cancelled a password prompt
   * @throws StoreLocationError (a password in the URL, a malformed URL); the classified PostgreSQL errors of
   *         {@link openStore} other than the password error (refused, unknown host, timeout, pg_hba, TLS …)
   */
  async openPostgres(url: string): Promise<AsyncStore | undefined> {
    const location = parseStoreLocation(url);
    if (location.kind !== 'postgres') throw new Error(`not a PostgreSQL URL: ${location.redacted}`);
    const key = this.passwordKeyOf(location);
    const stored = await this.secrets.get(key);
    let password = stored ?? (await this.askPassword(location, false));
    if (password === undefined) return undefined;
    for (;;) {
      try {
        const given = password;
        const opened = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('Connecting to the PostgreSQL store {0}…', location.redacted),
          },
          () =>
            openStore(location.redacted, {
              logger: this.logger,
              ...(given === '' ? {} : { password: given }),
            }),
        );
        if (password !== stored) await this.secrets.store(key, password);
        // the store open until now is closed only once the new one is connected: a cancelled prompt or a
        // refused connection leaves the window working on it
        await this.close();
        this.attachPostgres(opened.store as PostgresStore, location);
        this.logger.info(`[store] opened ${location.redacted}`);
        return opened.store;
      } catch (error) {
        if (!(error instanceof PostgresPasswordError)) throw error;
        this.logger.warn(`[store] ${error.code}: ${error.message}`);
        const change = vscode.l10n.t('Change Password…');
        const picked = await vscode.window.showErrorMessage(localizedMessage(error), change);
        if (picked !== change) return undefined;
        password = await this.askPassword(location, true);
        if (password === undefined) return undefined;
      }
    }
  }

  /** The password prompt for a PostgreSQL store (`again`: the server refused the last one). */
  private askPassword(location: PostgresLocation, again: boolean): Thenable<string | undefined> {
    return vscode.window.showInputBox({
      title: vscode.l10n.t('iX-Haus: Connect to PostgreSQL'),
      prompt: again
        ? vscode.l10n.t(
            'The server refused the password. Password of role {0} for {1} (kept in VS Code secret storage; leave empty when the server asks for none):',
            location.user,
            location.redacted,
          )
        : vscode.l10n.t(
            'Password of role {0} for {1} (kept in VS Code secret storage; leave empty when the server asks for none):',
            location.user,
            location.redacted,
          ),
      password: true,
      ignoreFocusOut: true,
    });
  }

  /**
   * Opens `file`, closing the current store first. When another process holds the write lock, the store opens
   * read-only and the user may take write access over (after confirming that no other window uses it).
   */
  async open(file: string, options: { takeOver?: boolean } = {}): Promise<Store> {
    if (isPostgresUrl(file)) throw new Error('a PostgreSQL URL is opened with openPostgres()');
    await this.close();
    // reading, checking (quick_check) and maybe migrating a large store takes seconds: say so — in a notification
    // for a large file, else as the status-bar spinner (issue 18)
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    const store = await vscode.window.withProgress(
      {
        location: size >= LARGE_STORE_BYTES ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window,
        title: vscode.l10n.t('Opening the store {0} ({1} MB)…', path.basename(file), (size / 1048576).toFixed(1)),
      },
      () =>
        Store.open(file, {
          logger: this.logger,
          takeOver: options.takeOver === true,
          onLockLost: () => this.lockLost(file),
        }),
    );
    this.attach(store);
    this.logger.info(`[store] opened ${file}${store.readOnly ? ` read-only (${store.readOnlyReason})` : ''}`);
    if (store.readOnlyReason === 'locked') void this.offerTakeOver(file);
    return store;
  }

  private async offerTakeOver(file: string): Promise<void> {
    const takeOver = vscode.l10n.t('Take Over Write Access…');
    const picked = await vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The store {0} is in use by another window or program, so it was opened read-only. Close the other one and run "iX-Haus: Open Store…" again, or take over write access.',
        file,
      ),
      takeOver,
    );
    if (picked !== takeOver) return;
    const confirm = vscode.l10n.t('Take Over');
    const sure = await vscode.window.showWarningMessage(
      vscode.l10n.t('Take over write access to {0}?', path.basename(file)),
      {
        modal: true,
        detail: vscode.l10n.t(
          'Do this only when no other window uses the store any more — for example when a browser tab with VS Code was closed abruptly and its session still holds the store. The other window becomes read-only; its saved changes are kept.',
        ),
      },
      confirm,
    );
    if (sure !== confirm || this.current?.file !== file) return;
    await this.open(file, { takeOver: true });
  }

  private lockLost(file: string): void {
    void this.updateContext();
    this.storeEmitter.fire(this.currentDb);
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'Another window took over write access to the store {0}. This window can only read it now; changes made here before were saved.',
        file,
      ),
    );
  }

  /** Creates a new demo store at `file` (never over an existing file), with progress, and opens it. */
  async createDemo(file: string): Promise<DemoSummary> {
    await this.close();
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Creating the demo store…'),
        cancellable: false,
      },
      async (progress) => {
        let reported = 0;
        let summary: DemoSummary | undefined;
        // populated before the first save: a failure leaves no file behind, and no .bak of an empty schema
        const store = await Store.create(file, {
          logger: this.logger,
          onLockLost: () => this.lockLost(file),
          populate: async (created) => {
            summary = await generateDemoData(created, {
              onProgress: (done, total) => {
                const percent = Math.floor((done / total) * 100);
                progress.report({ increment: percent - reported });
                reported = percent;
              },
            });
          },
        });
        this.attach(store);
        this.logger.info(`[store] created demo store ${file}`);
        if (!summary) throw new Error('demo data was not generated');
        return summary;
      },
    );
  }

  /** Replaces a damaged store file with its `.bak` (keeping the damaged one aside) and opens it. */
  async restoreBackupAndOpen(file: string): Promise<void> {
    await this.close();
    const aside = await restoreFromBackup(file, { force: false });
    this.logger.warn(`[store] restored ${file} from its backup; the damaged file is kept as ${aside}`);
    await this.open(file);
    void vscode.window.showInformationMessage(
      vscode.l10n.t('The store was restored from its backup. The damaged file was kept as {0}.', aside),
    );
  }

  /** Saves and closes the open store (file: the lock is released; PostgreSQL: the connections are ended). */
  async close(): Promise<void> {
    const db = this.currentDb;
    if (!db) return;
    for (const remove of this.listeners) remove();
    this.listeners = [];
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = undefined;
    const location = this.currentLocation;
    this.current = undefined;
    this.currentDb = undefined;
    this.currentLocation = undefined;
    await db.close();
    await this.updateContext();
    // a "reconnecting" shown for the closed store must not outlive it
    if (location?.kind === 'postgres')
      this.connectionEmitter.fire({ state: 'listening', server: serverOf(location), error: undefined });
    this.storeEmitter.fire(undefined);
  }

  dispose(): void {
    void this.close();
    this.storeEmitter.dispose();
    this.dataEmitter.dispose();
    this.connectionEmitter.dispose();
  }

  private attach(store: Store): void {
    this.current = store;
    this.currentDb = new SqlJsAsyncStore(store);
    this.currentLocation = { kind: 'file', path: store.file ?? '', redacted: store.file ?? '' };
    // changes of this window only, and at once: a command's own write is in the views when the command returns
    this.listeners = [this.currentDb.onDidChange((change) => this.dataEmitter.fire(change))];
    void this.updateContext();
    this.storeEmitter.fire(this.currentDb);
  }

  private attachPostgres(db: PostgresStore, location: PostgresLocation): void {
    this.current = undefined;
    this.currentDb = db;
    this.currentLocation = location;
    const server = serverOf(location);
    this.listeners = [
      // every process's commits (this window's too), by LISTEN/NOTIFY (src/core/store/postgres/changeFeed.ts)
      db.onDidChange((change) => this.coalesce(change)),
      db.onDidChangeConnectionState((state, error) => {
        if (state === 'reconnecting')
          this.logger.warn(`[store] change notifications from ${server} lost: ${error ?? ''}`);
        else this.logger.info(`[store] change notifications from ${server} back`);
        this.connectionEmitter.fire({ state, server, error: state === 'reconnecting' ? error : undefined });
      }),
    ];
    void this.updateContext();
    this.storeEmitter.fire(db);
  }

  /** Collects PostgreSQL changes for {@link CHANGE_COALESCE_MS} and fires them as one (a change of unknown tables wins). */
  private coalesce(change: StoreChange): void {
    if (!this.pending) {
      const timer = setTimeout(() => {
        const done = this.pending;
        this.pending = undefined;
        if (done) this.dataEmitter.fire({ tables: done.unknown ? new Set() : done.tables });
      }, CHANGE_COALESCE_MS);
      this.pending = { tables: new Set(), unknown: false, timer };
    }
    if (change.tables.size === 0) this.pending.unknown = true;
    for (const table of change.tables) this.pending.tables.add(table);
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.storeOpen, this.currentDb !== undefined);
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.readOnly, this.currentDb?.readOnly === true);
  }
}
