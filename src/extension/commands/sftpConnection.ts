/**
 * The connection to the license server (issue 5, product.md §3): the secret storage keys of the SFTP account, the
 * saved settings with their credential, the session options and the scripted answers of the SFTP commands. Secrets
 * live in VS Code's secret storage only (keyed by user@host:port), never in the store, the log or a message.
 */
import type { OpenSessionOptions, SftpCredential } from '../../core/sftp/licenseServer';
import { SftpNotConfiguredError, loadSftpSettings } from '../../core/sftp/sftpSettings';
import type { SftpSettings } from '../../core/sftp/sftpSettings';
import { IxError, msg } from '../../core/errors';
import type { SuggestedAction } from '../../core/errors';
import type { AsyncStore } from '../../core/store/asyncStore';
import type { Services } from '../services';
import type { SecretKeyOf } from '../systemsHost';

type SecretName = 'password' | 'privateKey' | 'passphrase';

/**
 * The secret storage key of one secret of an SFTP account: the active system's key when a system is active (issue
 * 20: by the system's id, via `keyOf`), else by account as before.
 */
export function sftpSecretKey(
  settings: Pick<SftpSettings, 'username' | 'host' | 'port'>,
  what: SecretName,
  keyOf: SecretKeyOf = (_purpose, legacyKey) => legacyKey,
): string {
  return keyOf(`sftp.${what}`, `ixhaus.sftp/${settings.username}@${settings.host}:${settings.port}/${what}`);
}

/** Arguments of `ixhaus.license.fetch` / `ixhaus.sftp.testConnection` for scripted use: answer the dialogs. */
export interface FetchArgs {
  /** install without the confirmation dialog */
  readonly confirm?: boolean;
  /** trust an unknown host key without asking (first use only; a changed key is never accepted this way) */
  readonly trustHostKey?: boolean;
}

/** The scripted answers in `value` (anything else: none, i.e. ask the user). */
export function fetchArgs(value: unknown): FetchArgs {
  const v = value as Partial<FetchArgs> | undefined;
  return typeof v === 'object' && v !== null
    ? { confirm: v.confirm === true, trustHostKey: v.trustHostKey === true }
    : {};
}

/** The saved settings and the credential from secret storage. @throws SftpNotConfiguredError, MissingSecretError */
export async function connection(
  services: Services,
  store: AsyncStore,
): Promise<{ settings: SftpSettings; credential: SftpCredential }> {
  const settings = await loadSftpSettings(store);
  if (!settings) throw new SftpNotConfiguredError();
  const secrets = services.context.secrets;
  if (settings.authMethod === 'password') {
    const password = await secrets.get(sftpSecretKey(settings, 'password', services.systems.secretKeyOf));
    if (password === undefined) throw new MissingSecretError(`${settings.username}@${settings.host}`);
    return { settings, credential: { kind: 'password', password } };
  }
  const privateKey = await secrets.get(sftpSecretKey(settings, 'privateKey', services.systems.secretKeyOf));
  if (privateKey === undefined) throw new MissingSecretError(`${settings.username}@${settings.host}`);
  const passphrase = await secrets.get(sftpSecretKey(settings, 'passphrase', services.systems.secretKeyOf));
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

/** The options to open a session at the saved license server; `signal` cancels it (no timeout is added here). */
export function sessionOptions(
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
