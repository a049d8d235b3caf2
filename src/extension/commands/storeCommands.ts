import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEMO_ADMIN_LOGIN, DEMO_PASSWORD } from '../../core/demo/demoData';
import { storeInfo } from '../../core/store/storeInfo';
import { CONFIG } from '../ids';
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
  await services.session.set(undefined);
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

/** "Datenbank öffnen…": opens an existing store file. */
export async function openStoreCommand(services: Services): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Open store'),
    canSelectMany: false,
    filters: STORE_FILTERS,
    openLabel: vscode.l10n.t('Open'),
  });
  const file = picked?.[0]?.fsPath;
  if (!file) return;
  await services.session.set(undefined);
  await services.storeHost.open(file);
  await rememberStorePath(services, file);
}

/** Shows size, schema and record counts of the open store. */
export async function showStoreInfoCommand(services: Services): Promise<void> {
  const store = services.storeHost.db;
  if (!store) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No store is open. Create the demo store or open a store first.'),
    );
    return;
  }
  const info = storeInfo(store);
  const counts = Object.entries(info.counts)
    .map(([table, n]) => `${table}: ${n}`)
    .join(', ');
  services.logger.info(`[store] ${info.file}: schema v${info.schemaVersion}, ${info.sizeBytes} bytes; ${counts}`);
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Store {0}: schema version {1}, {2} MB, {3} users, {4} objects, {5} persons{6}.',
      info.file ?? '',
      info.schemaVersion,
      (info.sizeBytes / 1048576).toFixed(1),
      info.counts.users,
      info.counts.objects,
      info.counts.persons,
      info.readOnly ? vscode.l10n.t(' (read-only)') : '',
    ),
  );
}
