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
import { CONFIG, CONTEXT_KEYS } from './ids';

/** Default file name of the demo store in the extension's global storage folder. */
export const DEFAULT_STORE_NAME = 'ixhaus-demo.sqlite';

/** From this size (bytes) opening a store shows a notification with progress, below it the status-bar spinner. */
const LARGE_STORE_BYTES = 20 * 1024 * 1024;

/**
 * Owns the one open {@link Store} of this window: which file (setting `ixhaus.store.path`, else the demo store
 * in global storage), opening, switching, closing, and the `ixhaus:storeOpen` / `ixhaus:readOnly` context keys.
 * Fires {@link onDidChangeStore} when another store is opened and {@link onDidChangeData} after changes.
 */
export class StoreHost implements vscode.Disposable {
  private current: Store | undefined;
  private currentDb: AsyncStore | undefined;
  private removeChangeListener: (() => void) | undefined;
  private readonly storeEmitter = new vscode.EventEmitter<Store | undefined>();
  private readonly dataEmitter = new vscode.EventEmitter<StoreChange>();
  readonly onDidChangeStore = this.storeEmitter.event;
  readonly onDidChangeData = this.dataEmitter.event;

  constructor(
    private readonly globalStorage: vscode.Uri,
    private readonly logger: Logger,
  ) {}

  /** The open store, or undefined. */
  get store(): Store | undefined {
    return this.current;
  }

  /**
   * The open store as the core's asynchronous interface (issue 19): what converted services take. Its
   * transactions save the file themselves (no `save()` / `scheduleSave()` after them).
   */
  get db(): AsyncStore | undefined {
    return this.currentDb;
  }

  /** The store path from the setting, else the default demo store path. */
  configuredPath(): { file: string; fromSetting: boolean } {
    const configured = vscode.workspace.getConfiguration(CONFIG.section).get<string>(CONFIG.storePath, '').trim();
    if (configured) return { file: path.resolve(configured), fromSetting: true };
    return { file: path.join(this.globalStorage.fsPath, DEFAULT_STORE_NAME), fromSetting: false };
  }

  /**
   * Opens the configured store at start-up. On first start without a setting and without the default file, the
   * demo store is created there (product.md §1). A missing file named by the setting is an error, never created.
   */
  async openConfigured(): Promise<void> {
    const { file, fromSetting } = this.configuredPath();
    if (!fromSetting && !fs.existsSync(file)) {
      await this.createDemo(file);
      return;
    }
    await this.open(file);
  }

  /**
   * Opens `file`, closing the current store first. When another process holds the write lock, the store opens
   * read-only and the user may take write access over (after confirming that no other window uses it).
   */
  async open(file: string, options: { takeOver?: boolean } = {}): Promise<Store> {
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
    this.storeEmitter.fire(this.current);
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

  /** Saves and closes the open store. */
  async close(): Promise<void> {
    const store = this.current;
    if (!store) return;
    this.removeChangeListener?.();
    this.removeChangeListener = undefined;
    this.current = undefined;
    this.currentDb = undefined;
    await store.close();
    await this.updateContext();
    this.storeEmitter.fire(undefined);
  }

  dispose(): void {
    void this.close();
    this.storeEmitter.dispose();
    this.dataEmitter.dispose();
  }

  private attach(store: Store): void {
    this.current = store;
    this.currentDb = new SqlJsAsyncStore(store);
    this.removeChangeListener = store.onDidChange((change) => this.dataEmitter.fire(change));
    void this.updateContext();
    this.storeEmitter.fire(store);
  }

  private async updateContext(): Promise<void> {
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.storeOpen, this.current !== undefined);
    await vscode.commands.executeCommand('setContext', CONTEXT_KEYS.readOnly, this.current?.readOnly === true);
  }
}
