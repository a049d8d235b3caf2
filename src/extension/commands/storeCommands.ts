import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../core/demo/demoData';
import { isPostgresUrl, parseStoreLocation } from '../../core/store/location';
import { summarizeStore } from '../../core/store/storeSummary';
import type { StoreSummary } from '../../core/store/storeSummary';
import { localizedMessage } from '../errors';
import { CONFIG } from '../ids';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';

const STORE_FILTERS = { [vscode.l10n.t('iX-Haus store')]: ['sqlite', 'db'] };

async function rememberStorePath(services: Services, file: string): Promise<void> {
  const { file: defaultFile } = services.storeHost.configuredPath();
  const config = vscode.workspace.getConfiguration(CONFIG.section);
  if (path.resolve(file) === defaultFile) return;
  await config.update(CONFIG.storePath, file, vscode.ConfigurationTarget.Global);
}

/** "Demo-Datenbank anlegen": creates a demo store at a chosen new file and opens it. */
export async function createDemoCommand(services: Services): Promise<void> {
  const target = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Create demo store'),
    defaultUri: vscode.Uri.joinPath(services.context.globalStorageUri, 'ixhaus-demo.sqlite'),
    filters: STORE_FILTERS,
    saveLabel: vscode.l10n.t('Create'),
  });
  if (!target) return;
  await vscode.workspace.fs.createDirectory(vscode.Uri.file(path.dirname(target.fsPath)));
  await services.session.suspend();
  const summary = await services.storeHost.createDemo(target.fsPath);
  await rememberStorePath(services, target.fsPath);
  const signInNow = vscode.l10n.t('Sign in');
  const picked = await vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Demo store created with {0} users, {1} objects and {2} persons. Demo login: {3} / {4}.',
      summary.users,
      summary.objects,
      summary.persons,
      DEMO_ADMIN_LOGIN,
      DEMO_PASSWORD,
    ),
    signInNow,
  );
  if (picked === signInNow) await vscode.commands.executeCommand('ixhaus.session.signIn');
}

/**
 * "Datenbank öffnen…": a store file, or a store database on a PostgreSQL server (issue 19). Scripted use (tests):
 * `{ location: string }` (a file path or a `postgres://` URL) opens it without asking.
 */
export async function openStoreCommand(services: Services, arg?: unknown): Promise<void> {
  const given = (scriptedArgs(services.context, arg) as { location?: unknown } | undefined)?.location;
  if (typeof given === 'string') return openLocation(services, given);
  const file = {
    label: `$(file) ${vscode.l10n.t('Open File…')}`,
    detail: vscode.l10n.t('A store file (*.sqlite) on this computer or a network share'),
  };
  const postgres = {
    label: `$(database) ${vscode.l10n.t('Connect to PostgreSQL…')}`,
    detail: vscode.l10n.t('A store database on a PostgreSQL server, shared by several users and windows'),
  };
  const picked = await vscode.window.showQuickPick([file, postgres], {
    title: vscode.l10n.t('Open store'),
    placeHolder: vscode.l10n.t('Where is the store?'),
  });
  if (picked === file) {
    const chosen = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Open store'),
      canSelectMany: false,
      filters: STORE_FILTERS,
      openLabel: vscode.l10n.t('Open'),
    });
    const chosenFile = chosen?.[0]?.fsPath;
    if (chosenFile) await openLocation(services, chosenFile);
  } else if (picked === postgres) {
    const url = await askPostgresUrl(services);
    if (url !== undefined) await openLocation(services, url);
  }
}

/** The URL input box, checked as it is typed (a password in the URL is refused with the reason). */
function askPostgresUrl(services: Services): Thenable<string | undefined> {
  const open = services.storeHost.location;
  const configured = services.storeHost.configuredPath().file;
  return vscode.window.showInputBox({
    title: vscode.l10n.t('iX-Haus: Connect to PostgreSQL'),
    prompt: vscode.l10n.t(
      'Store URL postgres://user@host:port/database (TLS: ?sslmode=verify-full&sslrootcert=CA-FILE). Without password: it is asked for next and kept in VS Code secret storage.',
    ),
    value:
      open?.kind === 'postgres'
        ? open.redacted
        : isPostgresUrl(configured)
          ? configured
          : 'postgres://ixhaus_app@localhost:5432/ixhaus',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        return parseStoreLocation(value).kind === 'postgres'
          ? undefined
          : vscode.l10n.t('Give a URL that starts with postgres://, or choose "Open File…" for a store file.');
      } catch (error) {
        return localizedMessage(error);
      }
    },
  });
}

/** Opens a file path or a PostgreSQL URL and remembers it in `ixhaus.store.path` (a URL without password). */
async function openLocation(services: Services, text: string): Promise<void> {
  await services.session.suspend();
  if (isPostgresUrl(text)) {
    const location = parseStoreLocation(text);
    if ((await services.storeHost.openPostgres(location.redacted)) === undefined) return;
    await rememberStorePath(services, location.redacted);
    return;
  }
  await services.storeHost.open(text);
  await rememberStorePath(services, text);
}

/**
 * Shows where the store is, its schema version and record counts; for a file also its size and whether it is
 * read-only (facts that exist only for a file are left out for PostgreSQL). Returns what it showed (for tests).
 */
export async function showStoreInfoCommand(services: Services): Promise<StoreSummary | undefined> {
  const db = services.storeHost.db;
  if (!db) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No store is open. Create the demo store or open a store first.'),
    );
    return undefined;
  }
  const info = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Reading the store info…') },
    () => summarizeStore(db),
  );
  const counts = Object.entries(info.counts)
    .map(([table, n]) => `${table}: ${n}`)
    .join(', ');
  const facts = services.storeHost.store?.facts();
  services.logger.info(
    `[store] ${info.location} (${info.backend}): schema v${info.schemaVersion}${facts ? `, ${facts.sizeBytes} bytes` : ''}; ${counts}`,
  );
  const message = facts
    ? vscode.l10n.t(
        'Store {0}: schema version {1}, {2} MB, {3} users, {4} objects, {5} persons{6}.',
        info.location,
        info.schemaVersion,
        (facts.sizeBytes / 1048576).toFixed(1),
        info.counts.users,
        info.counts.objects,
        info.counts.persons,
        info.readOnly ? vscode.l10n.t(' (read-only)') : '',
      )
    : vscode.l10n.t(
        'PostgreSQL store {0}: schema version {1}, {2} users, {3} objects, {4} persons.',
        info.location,
        info.schemaVersion,
        info.counts.users,
        info.counts.objects,
        info.counts.persons,
      );
  void vscode.window.showInformationMessage(message);
  return info;
}
