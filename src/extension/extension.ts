import * as vscode from 'vscode';
import { SessionStatusBar } from '../providers/sessionStatusBar';
import { StoreConnectionStatusBar } from '../providers/storeConnectionStatusBar';
import { SystemStatusBar } from '../providers/systemStatusBar';
import { systemsRoots } from '../providers/tree/systemsTree';
import { SystemsHost } from './systemsHost';
import { licenseRoots } from '../providers/tree/licensesTree';
import { modulesRoots } from '../providers/tree/modulesTree';
import { schedulerRoots } from '../providers/tree/schedulerTree';
import { objectsRoots } from '../providers/tree/objectsTree';
import { settingsRoots } from '../providers/tree/settingsTree';
import type { SettingsFilter } from '../providers/tree/settingsTree';
import { NodeTreeProvider } from '../providers/tree/treeNode';
import type { TreeNode } from '../providers/tree/treeNode';
import { remindAfterSignIn } from './commands/licenseCommands';
import { registerCommands } from './commands/registerCommands';
import { registerTransferSerializer } from './commands/responsibleCommands';
import { LicenseDocuments } from './licenseDocuments';
import { MailHost } from './mail/mailHost';
import { MailSettingsPanels } from './panels/mailSettingsPanel';
import { TransferPanels } from './panels/transferResponsiblePanel';
import { ImportPanels } from './panels/importPreviewPanel';
import { writeReport } from './commands/mailCommands';
import { SchedulerMonitor, schedulerDeps } from './mail/schedulerMonitor';
import { AlertWebhooks } from './mail/alertWebhooks';
import { showError } from './errors';
import type { ViewId } from './ids';
import { createLog } from './log';
import type { Services } from './services';
import { Session } from './session';
import { StoreHost } from './storeHost';
import { CtiService, PARTY_SCHEME, PartyDocuments } from './ctiService';
import { callJournalRoots } from '../providers/cti/callJournalTree';
import { changeTouches } from '../core/store/storeChange';
import { resumeSignIn } from '../core/users/auth';

/** What `activate()` returns: the API used by the in-host tests and other extensions. */
export interface IxHausApi {
  readonly services: Services;
  /** milliseconds `activate()` took (the store opens after it, see {@link ready}) */
  readonly activationMs: number;
  /** settles when the configured store is open (or opening it failed and the user was told) */
  readonly ready: Promise<void>;
  /** milliseconds from the start of `activate()` until the store was open, once {@link ready} settled */
  readonly storeReadyMs: () => number | undefined;
  /** the tree data providers of the three views (for in-host tests) */
  readonly views: Readonly<Record<ViewId, NodeTreeProvider>>;
  /** the status-bar items: sign-in (names the store) and the PostgreSQL connection state (for in-host tests) */
  readonly statusBars: {
    readonly session: SessionStatusBar;
    readonly connection: StoreConnectionStatusBar;
    readonly system: SystemStatusBar;
  };
  /** the scheduler's background check (for in-host tests: it follows the active system and its sign-in) */
  readonly schedulerMonitor: SchedulerMonitor;
}

let active: Services | undefined;

/** The tables each view shows (DESIGN.md §4b): a store change refreshes only the views that show what it wrote. */
const VIEW_TABLES: Readonly<Record<ViewId, readonly string[]>> = {
  // the Systeme view shows the setting, not the store
  'ixhaus.systems': [],
  'ixhaus.licenses': ['licenses', 'license_modules', 'license_history', 'user_modules', 'users'],
  'ixhaus.settings': ['setting_values'],
  'ixhaus.modules': ['licenses', 'license_modules', 'user_modules', 'users', 'program_rights'],
  'ixhaus.objects': [
    'objects',
    'owners',
    'creditors',
    'persons',
    'object_owners',
    'object_creditors',
    'teams',
    'team_members',
    'responsibilities',
    'phone_numbers',
  ],
  'ixhaus.scheduler': ['scheduler_jobs', 'scheduler_runs', 'scheduler_incidents'],
  'ixhaus.callJournal': ['call_journal', 'cti_picks'],
};
/** What the CTI gate reads (ctiGate: the user's line, the CTI settings, the licensed module). */
const CTI_GATE_TABLES: readonly string[] = ['users', 'setting_values', 'licenses', 'license_modules', 'user_modules'];

/** Activation: composition root (DESIGN.md §1). Creates the services, views, status bar and commands. */
export async function activate(context: vscode.ExtensionContext): Promise<IxHausApi> {
  const started = performance.now();
  const { channel, logger } = createLog();
  const storeHost = new StoreHost(context.globalStorageUri, logger, context.secrets);
  const session = new Session();
  const statusBar = new SessionStatusBar();
  const connectionStatusBar = new StoreConnectionStatusBar();
  const systems = new SystemsHost(context, storeHost, logger);
  const systemStatusBar = new SystemStatusBar();

  // Trees show data only to a signed-in user; without one, the viewsWelcome content offers sign-in.
  const whenSignedIn = (roots: () => TreeNode[] | Promise<TreeNode[]>) => () => (session.actor ? roots() : []);
  const settingsFilter: SettingsFilter = { query: undefined, hitIndex: -1 };
  const trees: Record<ViewId, NodeTreeProvider> = {
    'ixhaus.systems': new NodeTreeProvider(() => systemsRoots(systems)),
    'ixhaus.licenses': new NodeTreeProvider(whenSignedIn(() => licenseRoots(storeHost.db))),
    'ixhaus.settings': new NodeTreeProvider(
      whenSignedIn(() => settingsRoots(storeHost.db, session.actor?.id, settingsFilter)),
    ),
    'ixhaus.modules': new NodeTreeProvider(whenSignedIn(() => modulesRoots(storeHost.db))),
    'ixhaus.objects': new NodeTreeProvider(whenSignedIn(() => objectsRoots(storeHost.db))),
    'ixhaus.scheduler': new NodeTreeProvider(whenSignedIn(() => schedulerRoots(storeHost.db))),
    'ixhaus.callJournal': new NodeTreeProvider(whenSignedIn(() => callJournalRoots(storeHost.db, session.actor?.id))),
  };
  const refreshViews = (): void => Object.values(trees).forEach((tree) => tree.refresh());
  const treeViews = Object.fromEntries(
    (Object.keys(trees) as ViewId[]).map((id) => [
      id,
      vscode.window.createTreeView(id, {
        treeDataProvider: trees[id],
        showCollapseAll: true,
        canSelectMany: id === 'ixhaus.objects',
      }),
    ]),
  ) as Record<ViewId, vscode.TreeView<TreeNode>>;

  const licenseDocuments = new LicenseDocuments();
  const mail = new MailHost(context.secrets, systems.secretKeyOf);
  const alertWebhooks = new AlertWebhooks(context.secrets, systems.secretKeyOf);
  const cti = new CtiService(context, storeHost, session, logger, systems.secretKeyOf);
  const mailPanels = new MailSettingsPanels({
    extensionUri: context.extensionUri,
    storeHost,
    session,
    mail,
    logger,
    onTested: (result, to, server) => writeReport({ mail }, result, server, to),
  });
  const services: Services = {
    context,
    logger,
    logChannel: channel,
    storeHost,
    session,
    licenseDocuments,
    refreshViews,
    views: trees,
    treeViews,
    settingsFilter,
    transferPanels: new TransferPanels(),
    importPanels: new ImportPanels(),
    mailPanels,
    mail,
    alertWebhooks,
    cti,
    systems,
  };
  active = services;
  context.subscriptions.push(
    channel,
    storeHost,
    session,
    statusBar,
    connectionStatusBar,
    systems,
    systemStatusBar,
    licenseDocuments,
    mail,
    ...Object.values(trees),
    ...Object.values(treeViews),
  );
  const schedulerMonitor = new SchedulerMonitor(schedulerDeps(services));
  context.subscriptions.push(
    ...registerCommands(services),
    registerTransferSerializer(services),
    mailPanels,
    schedulerMonitor,
  );
  context.subscriptions.push(
    cti,
    vscode.workspace.registerTextDocumentContentProvider(PARTY_SCHEME, new PartyDocuments(storeHost)),
    cti.onDidChangeJournal(() => trees['ixhaus.callJournal'].refresh()),
    session.onDidChange(() => void cti.restart()),
    // the CTI gate reads the user's line, the CTI settings and the license: a journal row does not re-run it
    storeHost.onDidChangeData((change) => changeTouches(change, CTI_GATE_TABLES) && void cti.refreshGate()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('ixhaus.cti') && void cti.restart()),
  );
  const updateStatus = (): void => {
    const { db, location } = storeHost;
    statusBar.update(db && location ? { location, readOnly: db.readOnly } : undefined, session.actor);
  };
  const updateSystemStatus = (): void => systemStatusBar.update(systems.active, systems.list().length > 0);
  context.subscriptions.push(
    systems.onDidChange(() => {
      updateSystemStatus();
      trees['ixhaus.systems'].refresh();
    }),
    storeHost.onDidChangeConnection((state) => connectionStatusBar.update(state)),
    storeHost.onDidChangeStore(() => {
      // the sign-in belongs to the system: suspend it (cleared at once), resume the new system's kept one
      const suspended = session.suspend();
      void resumeSystemSignIn(suspended);
      updateStatus();
      refreshViews();
    }),
    storeHost.onDidChangeData((change) => {
      for (const id of Object.keys(trees) as ViewId[]) if (changeTouches(change, VIEW_TABLES[id])) trees[id].refresh();
    }),
    session.onDidChange((actor) => {
      updateStatus();
      refreshViews();
      if (actor) {
        try {
          void remindAfterSignIn(services).catch((error: unknown) =>
            logger.error(`[license] reminders failed: ${String(error)}`),
          );
        } catch (error) {
          logger.error(`[license] reminders failed: ${String(error)}`);
        }
      }
    }),
  );

  /** After a store change: the active system's suspended sign-in is resumed when its user still may sign in. */
  const resumeSystemSignIn = async (suspended: Promise<void>): Promise<void> => {
    await suspended;
    const system = systems.active;
    const db = storeHost.db;
    // (the store change fires when the old store closes, too: the kept sign-in waits for the open one)
    if (!system || !db) return;
    const kept = session.takeSuspended(system.id);
    if (!kept) return;
    try {
      const actor = await resumeSignIn(db, kept);
      // only if the window is still on that system and nobody signed in meanwhile
      if (actor && systems.active?.id === system.id && storeHost.db === db && !session.actor) {
        await session.set(actor, system.id);
        logger.info(`[session] ${actor.login} is signed in again on ${system.name} (kept while switching)`);
      }
    } catch (error) {
      logger.warn(`[session] the kept sign-in of ${system.name} could not be resumed: ${String(error)}`);
    }
  };

  // The store opens after activation returns, so that VS Code is never held up by reading a large file.
  let storeReadyMs: number | undefined;
  const ready = (async () => {
    try {
      await vscode.workspace.fs.createDirectory(context.globalStorageUri);
      // read before the migration writes the user settings (see SystemsHost.configuredStore)
      const configuredStore = systems.configuredStore();
      const migrated = await systems.migrate(configuredStore);
      // this window's last system (or the one of ixhaus.store.path), else today's start-up
      const system = systems.startupSystem(configuredStore);
      // (a cancelled password prompt of the system's server leaves the window without store, as before)
      if (system) await systems.switchTo(system);
      else await storeHost.openConfigured();
      if (migrated && storeHost.db && systems.active?.id === migrated.id)
        await systems.copyLegacySftpSecrets(migrated.id, storeHost.db);
    } catch (error) {
      // the views show the "no store" welcome; the message says why and offers the backup where there is one
      void showError(error, {
        logger,
        showLog: () => channel.show(),
        restoreBackup: (file) => storeHost.restoreBackupAndOpen(file),
      });
    }
    updateStatus();
    updateSystemStatus();
    storeReadyMs = performance.now() - started;
    logger.info(`[extension] store ready ${storeReadyMs.toFixed(0)} ms after activation started`);
  })();
  const activationMs = performance.now() - started;
  logger.info(`[extension] activated in ${activationMs.toFixed(1)} ms`);
  return {
    services,
    activationMs,
    ready,
    storeReadyMs: () => storeReadyMs,
    views: trees,
    statusBars: { session: statusBar, connection: connectionStatusBar, system: systemStatusBar },
    schedulerMonitor,
  };
}

/** Saves and closes the store (the lock is released). */
export async function deactivate(): Promise<void> {
  await active?.storeHost.close();
  active = undefined;
}
