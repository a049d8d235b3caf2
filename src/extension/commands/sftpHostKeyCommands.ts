/**
 * Trusting the host key of the license server (issue 5, product.md §3): the first-use question wrapped around every
 * connecting command, and "Hostschlüssel neu vertrauen…" after the provider confirmed a new server key.
 */
import * as vscode from 'vscode';
import { LicenseServerSession } from '../../core/sftp/licenseServer';
import { SftpHostKeyUnknownError } from '../../core/sftp/sftpErrors';
import { trustHostKey } from '../../core/sftp/sftpSettings';
import { requireSignedIn } from '../signedIn';
import type { AsyncStore } from '../../core/store/asyncStore';
import { isAdmin, requireAdmin } from '../../core/access/rights';
import type { Actor } from '../../core/access/rights';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';
import { connection, fetchArgs, sessionOptions } from './sftpConnection';
import type { FetchArgs } from './sftpConnection';

/**
 * First use of a server: shows the fingerprint and asks to trust it (administrators; others are told to ask one).
 * @returns true when the key is now trusted
 */
export async function offerTrust(
  services: Services,
  store: AsyncStore,
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
  await trustHostKey(store, actor, error.fingerprint);
  services.logger.info(`[sftp] ${actor.login} trusted host key ${error.keyType} ${error.fingerprint}`);
  return true;
}

/**
 * Runs `body`, and once more after the user trusted a first-seen host key.
 * @returns `undefined` when the key was not trusted; other errors of `body` are rethrown
 */
export async function withHostKeyTrust<T>(
  services: Services,
  store: AsyncStore,
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
  await trustHostKey(store, actor, presented.fingerprint);
  services.logger.warn(
    `[sftp] ${actor.login} replaced the trusted host key of ${settings.host}: ${settings.hostKeyFingerprint ?? '-'} → ${presented.fingerprint}`,
  );
  return presented.fingerprint;
}
