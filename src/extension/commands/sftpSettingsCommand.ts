/**
 * "SFTP-Einstellungen" (issue 5, product.md §3). The form is a sequence of VS Code input boxes validated live with
 * the core's own checks; the password, private key and passphrase go to VS Code's secret storage only (keyed by
 * user@host:port), never into the store, the log or a message.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import {
  DEFAULT_SFTP_PORT,
  checkHost,
  checkPort,
  checkRemoteDir,
  loadSftpSettings,
  saveSftpSettings,
} from '../../core/sftp/sftpSettings';
import type { SftpAuthMethod, SftpSettings, SftpSettingsInput } from '../../core/sftp/sftpSettings';
import { requireSignedIn } from '../signedIn';
import { requireAdmin } from '../../core/access/rights';
import type { Services } from '../services';
import { sftpSecretKey } from './sftpConnection';
import { testConnectionCommand } from './sftpTestCommand';

/** Arguments of `ixhaus.sftp.configure` for scripted use (tests, automation): no dialogs. */
interface ConfigureArgs extends SftpSettingsInput {
  readonly password?: string;
  readonly privateKey?: string;
  readonly passphrase?: string;
}

function isConfigureArgs(value: unknown): value is ConfigureArgs {
  const v = value as Partial<ConfigureArgs> | undefined;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.host === 'string' &&
    typeof v.username === 'string' &&
    (v.authMethod === 'password' || v.authMethod === 'privateKey') &&
    typeof v.remoteDir === 'string' &&
    ['string', 'number'].includes(typeof v.port) &&
    ['undefined', 'string'].includes(typeof v.password) &&
    ['undefined', 'string'].includes(typeof v.privateKey) &&
    ['undefined', 'string'].includes(typeof v.passphrase)
  );
}

/**
 * "SFTP-Einstellungen…": host, port, user, authentication (password or private key + passphrase), remote folder.
 * Administrators only (enforced in core when saving).
 */
export async function configureSftpCommand(services: Services, args?: unknown): Promise<SftpSettings | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireAdmin(actor, 'change the SFTP settings');
  let input: ConfigureArgs | undefined = isConfigureArgs(args) ? args : undefined;
  // what the form showed is what the edit is based on: another admin's save meanwhile is refused (issue 19)
  const shown = (await loadSftpSettings(store)) ?? null;
  if (!input) input = await askSettings(services, shown ?? undefined);
  if (!input) return undefined;
  const saved = await saveSftpSettings(store, actor, input, shown);
  const secrets = services.context.secrets;
  if (saved.authMethod === 'password' && input.password !== undefined) {
    await secrets.store(sftpSecretKey(saved, 'password', services.systems.secretKeyOf), input.password);
    await secrets.delete(sftpSecretKey(saved, 'privateKey', services.systems.secretKeyOf));
    await secrets.delete(sftpSecretKey(saved, 'passphrase', services.systems.secretKeyOf));
  }
  if (saved.authMethod === 'privateKey' && input.privateKey !== undefined) {
    await secrets.store(sftpSecretKey(saved, 'privateKey', services.systems.secretKeyOf), input.privateKey);
    await secrets.delete(sftpSecretKey(saved, 'password', services.systems.secretKeyOf));
    if (input.passphrase)
      await secrets.store(sftpSecretKey(saved, 'passphrase', services.systems.secretKeyOf), input.passphrase);
    else await secrets.delete(sftpSecretKey(saved, 'passphrase', services.systems.secretKeyOf));
  }
  services.logger.info(
    `[sftp] ${actor.login} saved the SFTP settings: ${saved.username}@${saved.host}:${saved.port}, ${saved.authMethod}, folder ${saved.remoteDir || '.'}`,
  );
  if (!isConfigureArgs(args)) {
    const test = vscode.l10n.t('Test Connection');
    const picked = await vscode.window.showInformationMessage(vscode.l10n.t('SFTP settings saved.'), test);
    if (picked === test) await testConnectionCommand(services);
  }
  return saved;
}

/** The interactive form: one input box per field, validated as typed. */
async function askSettings(services: Services, current: SftpSettings | undefined): Promise<ConfigureArgs | undefined> {
  const title = (step: number): string => vscode.l10n.t('SFTP Settings ({0}/5)', step);
  const problem = (p: { template: string; args: readonly (string | number)[] } | undefined): string | undefined =>
    p ? vscode.l10n.t(p.template, ...p.args) : undefined;
  const host = await vscode.window.showInputBox({
    title: title(1),
    prompt: vscode.l10n.t('Host name of the license server (without user@ and port)'),
    value: current?.host ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => problem(checkHost(v)),
  });
  if (host === undefined) return undefined;
  const port = await vscode.window.showInputBox({
    title: title(2),
    prompt: vscode.l10n.t('Port'),
    value: String(current?.port ?? DEFAULT_SFTP_PORT),
    ignoreFocusOut: true,
    validateInput: (v) => problem(checkPort(v)),
  });
  if (port === undefined) return undefined;
  const username = await vscode.window.showInputBox({
    title: title(3),
    prompt: vscode.l10n.t('User name'),
    value: current?.username ?? '',
    ignoreFocusOut: true,
    validateInput: (v) =>
      v.trim() === '' ? vscode.l10n.t('Enter the user name the license provider gave you.') : undefined,
  });
  if (username === undefined) return undefined;
  const remoteDir = await vscode.window.showInputBox({
    title: title(4),
    prompt: vscode.l10n.t(
      'Remote folder with the license files (e.g. /lizenzen, or C:\\Lizenzen on a Windows server; empty: the login folder)',
    ),
    value: current?.remoteDir ?? '',
    ignoreFocusOut: true,
    validateInput: (v) => problem(checkRemoteDir(v)),
  });
  if (remoteDir === undefined) return undefined;
  const passwordItem = { label: vscode.l10n.t('Password'), method: 'password' as SftpAuthMethod };
  const keyItem = { label: vscode.l10n.t('Private key file…'), method: 'privateKey' as SftpAuthMethod };
  const method = await vscode.window.showQuickPick([passwordItem, keyItem], {
    title: title(5),
    placeHolder: vscode.l10n.t('How does this computer sign in at the license server?'),
    ignoreFocusOut: true,
  });
  if (!method) return undefined;
  const base = { host, port, username, remoteDir, authMethod: method.method };
  const account = { host: host.trim(), port: Number(port.trim()), username: username.trim() };
  if (method.method === 'password') {
    const saved = await services.context.secrets.get(sftpSecretKey(account, 'password', services.systems.secretKeyOf));
    const password = await vscode.window.showInputBox({
      title: title(5),
      prompt: saved ? vscode.l10n.t('Password (leave empty to keep the saved one)') : vscode.l10n.t('Password'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v === '' && !saved ? vscode.l10n.t('Enter the password.') : undefined),
    });
    if (password === undefined) return undefined;
    return { ...base, ...(password !== '' ? { password } : {}) };
  }
  const file = await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Private key for the license server'),
    canSelectMany: false,
    openLabel: vscode.l10n.t('Use this key'),
  });
  if (!file?.[0]) return undefined;
  const privateKey = await fs.readFile(file[0].fsPath, 'utf8');
  const passphrase = await vscode.window.showInputBox({
    title: title(5),
    prompt: vscode.l10n.t('Passphrase of the key (empty if it has none)'),
    password: true,
    ignoreFocusOut: true,
  });
  if (passphrase === undefined) return undefined;
  return { ...base, privateKey, ...(passphrase ? { passphrase } : {}) };
}
