/**
 * "SFTP-Einstellungen", "Verbindung testen", "Lizenzen abrufen" and "Hostschlüssel neu vertrauen" (issue 5,
 * product.md §3). The form is a sequence of VS Code input boxes validated live with the core's own checks; the
 * password, private key and passphrase go to VS Code's secret storage only (keyed by user@host:port), never into the
 * store, the log or a message.
 */
import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import { fetchLicenses, installFetched, testLicenseServer } from '../../core/license/licenseFetch';
import type { ConnectionTestReport, FetchResult } from '../../core/license/licenseFetch';
import { installedPayload, renderLicenseText } from '../../core/license/licenseService';
import { LicenseServerSession } from '../../core/sftp/licenseServer';
import type { OpenSessionOptions, SftpCredential } from '../../core/sftp/licenseServer';
import { SftpCancelledError, SftpHostKeyUnknownError } from '../../core/sftp/sftpErrors';
import {
  DEFAULT_SFTP_PORT,
  SftpNotConfiguredError,
  checkHost,
  checkPort,
  checkRemoteDir,
  loadSftpSettings,
  saveSftpSettings,
  trustHostKey,
} from '../../core/sftp/sftpSettings';
import type { SftpAuthMethod, SftpSettings, SftpSettingsInput } from '../../core/sftp/sftpSettings';
import { IxError, msg } from '../../core/errors';
import type { SuggestedAction } from '../../core/errors';
import { requireSignedIn } from '../signedIn';
import type { Store } from '../../core/store/database';
import { isAdmin, requireAdmin, requireLicenseManager } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { localizedMessage } from '../errors';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { diffSummary, reportInstalled, trustedKeys } from './licenseCommands';

type SecretName = 'password' | 'privateKey' | 'passphrase';

/** The secret storage key of one secret of an SFTP account. */
export function sftpSecretKey(settings: Pick<SftpSettings, 'username' | 'host' | 'port'>, what: SecretName): string {
  return `ixhaus.sftp/${settings.username}@${settings.host}:${settings.port}/${what}`;
}

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

/** Arguments of `ixhaus.license.fetch` / `ixhaus.sftp.testConnection` for scripted use: answer the dialogs. */
interface FetchArgs {
  /** install without the confirmation dialog */
  readonly confirm?: boolean;
  /** trust an unknown host key without asking (first use only; a changed key is never accepted this way) */
  readonly trustHostKey?: boolean;
}

function fetchArgs(value: unknown): FetchArgs {
  const v = value as Partial<FetchArgs> | undefined;
  return typeof v === 'object' && v !== null
    ? { confirm: v.confirm === true, trustHostKey: v.trustHostKey === true }
    : {};
}

/**
 * "SFTP-Einstellungen…": host, port, user, authentication (password or private key + passphrase), remote folder.
 * Administrators only (enforced in core when saving).
 */
export async function configureSftpCommand(services: Services, args?: unknown): Promise<SftpSettings | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireAdmin(actor, 'change the SFTP settings');
  let input: ConfigureArgs | undefined = isConfigureArgs(args) ? args : undefined;
  if (!input) input = await askSettings(services, loadSftpSettings(store));
  if (!input) return undefined;
  const saved = saveSftpSettings(store, actor, input);
  const secrets = services.context.secrets;
  if (saved.authMethod === 'password' && input.password !== undefined) {
    await secrets.store(sftpSecretKey(saved, 'password'), input.password);
    await secrets.delete(sftpSecretKey(saved, 'privateKey'));
    await secrets.delete(sftpSecretKey(saved, 'passphrase'));
  }
  if (saved.authMethod === 'privateKey' && input.privateKey !== undefined) {
    await secrets.store(sftpSecretKey(saved, 'privateKey'), input.privateKey);
    await secrets.delete(sftpSecretKey(saved, 'password'));
    if (input.passphrase) await secrets.store(sftpSecretKey(saved, 'passphrase'), input.passphrase);
    else await secrets.delete(sftpSecretKey(saved, 'passphrase'));
  }
  await store.save();
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
    const saved = await services.context.secrets.get(sftpSecretKey(account, 'password'));
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

/** The saved settings and the credential from secret storage. @throws SftpNotConfiguredError, MissingSecretError */
async function connection(
  services: Services,
  store: Store,
): Promise<{ settings: SftpSettings; credential: SftpCredential }> {
  const settings = loadSftpSettings(store);
  if (!settings) throw new SftpNotConfiguredError();
  const secrets = services.context.secrets;
  if (settings.authMethod === 'password') {
    const password = await secrets.get(sftpSecretKey(settings, 'password'));
    if (password === undefined) throw new MissingSecretError(`${settings.username}@${settings.host}`);
    return { settings, credential: { kind: 'password', password } };
  }
  const privateKey = await secrets.get(sftpSecretKey(settings, 'privateKey'));
  if (privateKey === undefined) throw new MissingSecretError(`${settings.username}@${settings.host}`);
  const passphrase = await secrets.get(sftpSecretKey(settings, 'passphrase'));
  return { settings, credential: { kind: 'privateKey', privateKey, ...(passphrase ? { passphrase } : {}) } };
}

/** No SFTP secret on this computer: the English template goes into the error, the extension localizes it when shown. */
class MissingSecretError extends IxError {
  constructor(account: string) {
    super(
      'E_SFTP_NO_SECRET',
      msg(
        'No password or private key is saved on this computer for {0}. Enter it under "SFTP Settings…" (secrets are kept per computer, in VS Code\'s secret storage).',
      ),
      [account],
    );
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['sftpSettings'];
  }
}

function sessionOptions(
  services: Services,
  settings: SftpSettings,
  credential: SftpCredential,
  signal?: AbortSignal,
): OpenSessionOptions {
  return {
    target: { host: settings.host, port: settings.port, username: settings.username },
    credential,
    ...(settings.hostKeyFingerprint ? { knownHostKey: settings.hostKeyFingerprint } : {}),
    logger: services.logger,
    ...(signal ? { signal } : {}),
  };
}

/**
 * First use of a server: shows the fingerprint and asks to trust it (administrators; others are told to ask one).
 * @returns true when the key is now trusted
 */
async function offerTrust(
  services: Services,
  store: Store,
  actor: Actor,
  error: SftpHostKeyUnknownError,
  args: FetchArgs,
): Promise<boolean> {
  if (!isAdmin(actor)) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t(
        'The license server presents a host key that is not trusted yet ({0}). An administrator must confirm it once with "Test Connection to License Server".',
        error.fingerprint,
      ),
    );
    return false;
  }
  if (!args.trustHostKey) {
    const trust = vscode.l10n.t('Trust Host Key');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('First connection to this license server. Trust its host key?'),
      {
        modal: true,
        detail: vscode.l10n.t(
          '{0} {1}\n\nCompare this fingerprint with the one your license provider gave you (by phone or letter, not by the same e-mail as the password). Trust it only if it matches; from now on any other key is refused.',
          error.keyType,
          error.fingerprint,
        ),
      },
      trust,
    );
    if (answer !== trust) return false;
  }
  trustHostKey(store, actor, error.fingerprint);
  await store.save();
  services.logger.info(`[sftp] ${actor.login} trusted host key ${error.keyType} ${error.fingerprint}`);
  return true;
}

/** Runs `body`, and once more after the user trusted a first-seen host key. */
async function withHostKeyTrust<T>(
  services: Services,
  store: Store,
  actor: Actor,
  args: FetchArgs,
  body: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await body();
  } catch (error) {
    if (!(error instanceof SftpHostKeyUnknownError)) throw error;
    if (!(await offerTrust(services, store, actor, error, args))) return undefined;
    return body();
  }
}

const STEP_LABELS = (): Record<string, string> => ({
  connect: vscode.l10n.t('Connect'),
  handshake: vscode.l10n.t('Handshake (algorithms)'),
  hostKey: vscode.l10n.t('Host key'),
  authenticate: vscode.l10n.t('Sign in'),
  list: vscode.l10n.t('List folder'),
});

/** The step report as lines: "✓ Connect — 127.0.0.1:22", "✗ Sign in — …", "– List folder". */
export function stepLines(report: ConnectionTestReport): string[] {
  const labels = STEP_LABELS();
  return report.steps.map((s) => {
    const mark = s.outcome === 'ok' ? '✓' : s.outcome === 'failed' ? '✗' : '–';
    const detail = s.outcome === 'failed' && s.template ? vscode.l10n.t(s.template, ...(s.args ?? [])) : s.detail;
    return `${mark} ${labels[s.step] ?? s.step}${detail ? ` — ${detail}` : ''}`;
  });
}

/**
 * "Verbindung testen": connect, handshake, host key, sign in, list the folder; each step with its outcome in the
 * log, the result as a message (the failure in words, with "Open SFTP Settings").
 */
export async function testConnectionCommand(
  services: Services,
  args?: unknown,
): Promise<ConnectionTestReport | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireLicenseManager(actor, 'test the connection to the license server');
  const options = fetchArgs(scriptedArgs(services.context, args));
  const report = await withHostKeyTrust(services, store, actor, options, async () => {
    const { settings, credential } = await connection(services, store);
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Testing the connection to {0}…', settings.host),
        cancellable: true,
      },
      (_progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return testLicenseServer({
          ...sessionOptions(services, settings, credential, controller.signal),
          remoteDir: settings.remoteDir,
        });
      },
    );
    if (result.error instanceof SftpHostKeyUnknownError) throw result.error;
    return result;
  });
  if (!report) return undefined;
  const lines = stepLines(report);
  for (const line of lines) services.logger.info(`[sftp] Verbindung testen: ${line}`);
  const showLog = vscode.l10n.t('Show log');
  if (report.ok) {
    // not awaited: the command ends now; the message waits for the user on its own
    void vscode.window
      .showInformationMessage(
        vscode.l10n.t(
          'Connection OK in {0} ms: signed in, folder listed, {1} license pairs found.',
          report.durationMs,
          report.pairs ?? 0,
        ),
        showLog,
      )
      .then((picked) => (picked === showLog ? services.logChannel.show() : undefined));
  } else if (!(report.error instanceof SftpCancelledError)) {
    const settingsAction = vscode.l10n.t('Open SFTP Settings');
    const failed = lines.find((l) => l.startsWith('✗')) ?? localizedMessage(report.error);
    void vscode.window.showErrorMessage(failed, settingsAction, showLog).then((picked) => {
      if (picked === settingsAction) void vscode.commands.executeCommand('ixhaus.sftp.configure');
      if (picked === showLog) services.logChannel.show();
    });
  }
  return report;
}

/** What `ixhaus.license.fetch` returns to a scripted caller. */
export interface FetchCommandResult {
  readonly candidates: readonly { licenseNo: string; serial: number; fileName: string }[];
  readonly installed: boolean;
  readonly rejected: readonly { fileName: string; code: string }[];
  readonly notNewer: number;
  readonly unpaired: readonly string[];
  readonly totalMs: number;
}

/**
 * "Lizenzen abrufen" (administrators and Hauptbenutzer): fetch with progress (cancellable), show each new license's
 * diff (summary + diff editor), install on confirmation; "Keine neuen Lizenzen" when nothing is newer.
 */
export async function fetchLicensesCommand(
  services: Services,
  args?: unknown,
): Promise<FetchCommandResult | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireLicenseManager(actor, 'fetch licenses');
  const options = fetchArgs(scriptedArgs(services.context, args));
  const result = await withHostKeyTrust(services, store, actor, options, async (): Promise<FetchResult> => {
    const { settings, credential } = await connection(services, store);
    return vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('Fetching licenses from {0}', settings.host),
        cancellable: true,
      },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return fetchLicenses(store, actor, {
          ...sessionOptions(services, settings, credential, controller.signal),
          remoteDir: settings.remoteDir,
          trustedKeys: trustedKeys(services),
          onProgress: (p) => progress.report({ message: vscode.l10n.t(p.template, ...p.args), increment: p.increment }),
        });
      },
    );
  });
  if (!result) return undefined;
  services.logger.info(
    `[license] fetched from the server in ${result.timings.totalMs} ms: ${result.candidates.length} new, ${result.rejected.length} rejected, ${result.notNewer.length} not newer, ${result.notTaken.length} not taken`,
  );
  // every file not taken is named with its reason (issue 17 §6); files that are no license files only in the log
  for (const r of result.notTaken.filter((n) => n.code === 'E_FETCH_NOT_LICENSE'))
    services.logger.info(`[license] ${r.message}`);
  const problems = [
    ...result.rejected.map((r) => `${r.fileName}: ${vscode.l10n.t(r.template, ...r.args)}`),
    ...result.notTaken.filter((n) => n.code !== 'E_FETCH_NOT_LICENSE').map((r) => vscode.l10n.t(r.template, ...r.args)),
  ];
  for (const p of problems) services.logger.warn(`[license] ${p}`);
  const summary = (installed: boolean): FetchCommandResult => ({
    candidates: result.candidates.map((c) => ({
      licenseNo: c.verified.payload.licenseNo,
      serial: c.verified.payload.serial,
      fileName: c.fileName,
    })),
    installed,
    rejected: result.rejected.map((r) => ({ fileName: r.fileName, code: r.code })),
    notNewer: result.notNewer.length,
    unpaired: result.unpaired,
    totalMs: result.timings.totalMs,
  });
  if (problems.length > 0) {
    const showLog = vscode.l10n.t('Show log');
    void vscode.window
      .showWarningMessage(
        vscode.l10n.t('{0} file(s) on the server were not taken: {1}', problems.length, problems.join(' · ')),
        showLog,
      )
      .then((p) => (p === showLog ? services.logChannel.show() : undefined));
  }
  if (result.candidates.length === 0) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('No new licenses: the server has no license newer than the installed ones.'),
    );
    return summary(false);
  }
  if (!options.confirm) {
    for (const c of result.candidates) {
      const before = installedPayload(store, c.diff.licenseNo);
      const installed = services.licenseDocuments.put(
        `installed/${c.diff.licenseNo}.txt`,
        renderLicenseText(before?.payload, before?.demo ?? false),
      );
      const candidate = services.licenseDocuments.put(
        `candidate/${c.diff.licenseNo}.txt`,
        renderLicenseText(c.verified.payload, c.verified.demo),
      );
      await vscode.commands.executeCommand(
        'vscode.diff',
        installed,
        candidate,
        vscode.l10n.t('License {0}: installed ↔ new', c.diff.licenseNo),
        { preview: false },
      );
    }
    const install = vscode.l10n.t('Install');
    const answer = await vscode.window.showInformationMessage(
      vscode.l10n.t('Install {0} new license(s) from the server?', result.candidates.length),
      { modal: true, detail: result.candidates.map((c) => diffSummary(c.diff)).join('\n\n') },
      install,
    );
    if (answer !== install) return summary(false);
  }
  const results = installFetched(store, actor, result.candidates);
  await store.save();
  services.refreshViews();
  reportInstalled(services, actor, results);
  return summary(true);
}

/**
 * "Hostschlüssel neu vertrauen…" (administrators): after the provider confirmed a new server key, fetch the key the
 * server presents now, show old and new fingerprint with a warning, and trust the new one on confirmation.
 */
export async function retrustHostKeyCommand(services: Services, args?: unknown): Promise<string | undefined> {
  const { store, actor } = requireSignedIn(services);
  requireAdmin(actor, 'trust the host key of the license server');
  const { settings, credential } = await connection(services, store);
  let presented: SftpHostKeyUnknownError | undefined;
  try {
    const session = await LicenseServerSession.open({
      ...sessionOptions(services, settings, credential),
      knownHostKey: undefined,
    });
    await session.close();
  } catch (error) {
    if (!(error instanceof SftpHostKeyUnknownError)) throw error;
    presented = error;
  }
  if (!presented) return undefined;
  if (presented.fingerprint === settings.hostKeyFingerprint) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('The server still presents the trusted host key ({0}); nothing to change.', presented.fingerprint),
    );
    return presented.fingerprint;
  }
  if (!fetchArgs(scriptedArgs(services.context, args)).trustHostKey) {
    const trust = vscode.l10n.t('Trust New Host Key');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Replace the trusted host key of {0}?', settings.host),
      {
        modal: true,
        detail: vscode.l10n.t(
          'Trusted until now: {0}\nPresented now: {1} {2}\n\nOnly continue if your license provider confirmed this new fingerprint through another channel. Otherwise someone may be intercepting the connection.',
          settings.hostKeyFingerprint ?? '—',
          presented.keyType,
          presented.fingerprint,
        ),
      },
      trust,
    );
    if (answer !== trust) return undefined;
  }
  trustHostKey(store, actor, presented.fingerprint);
  await store.save();
  services.logger.warn(
    `[sftp] ${actor.login} replaced the trusted host key of ${settings.host}: ${settings.hostKeyFingerprint ?? '-'} → ${presented.fingerprint}`,
  );
  return presented.fingerprint;
}
