/**
 * SFTP settings for "Lizenzen abrufen" (product.md §3; field cases C16, C19): validation of the form fields, the
 * remote-path rules for POSIX and Windows-style servers, and their row in the store (`sftp_settings`, schema v1).
 * Secrets (password, private key, passphrase) are never part of these settings: they live in VS Code's secret
 * storage (extension) or come from an environment variable / key file (CLI).
 */
import * as path from 'node:path';
import { ChangedMeanwhileError, IxError, formatTemplate, msg } from '../errors';
import type { SuggestedAction } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { requireAdmin } from '../access/rights';
import type { Actor } from '../access/rights';

/** How the suite authenticates at the license server. */
export type SftpAuthMethod = 'password' | 'privateKey';

/** The non-secret SFTP settings (one row per store). */
export interface SftpSettings {
  /** DNS name or IP address, without `user@`, scheme or `:port` */
  readonly host: string;
  /** TCP port 1–65535 (default 22) */
  readonly port: number;
  readonly username: string;
  readonly authMethod: SftpAuthMethod;
  /** the remote folder as the server expects it, normalised by {@link normaliseRemoteDir} ('' = the login folder) */
  readonly remoteDir: string;
  /** the trusted host key, `SHA256:<base64 without padding>` as OpenSSH prints it; undefined until trusted */
  readonly hostKeyFingerprint?: string;
}

/** Default SFTP port (RFC 4253 §4.1 / IANA). */
export const DEFAULT_SFTP_PORT = 22;

/** A field of the SFTP form with what is wrong with its value (English template + args, see IxError). */
export interface SftpFieldProblem {
  readonly field: 'host' | 'port' | 'username' | 'remoteDir' | 'hostKeyFingerprint';
  readonly template: string;
  readonly args: readonly (string | number)[];
}

/** An SFTP setting is invalid; `problems` lists each field. */
export class SftpSettingsError extends IxError {
  readonly problems: readonly SftpFieldProblem[];
  constructor(problems: readonly SftpFieldProblem[]) {
    super(
      'E_SFTP_SETTINGS',
      msg('The SFTP settings are incomplete or invalid: {0}. Correct them under "SFTP Settings…".'),
      [problems.map((p) => `${p.field}: ${formatTemplate(p.template, p.args).replace(/\.$/, '')}`).join('; ')],
    );
    this.problems = problems;
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['sftpSettings'];
  }
}

/**
 * Checks the host field (C16 a): a bare DNS name, IPv4 or IPv6 address. `user@host`, `sftp://host` and
 * `host:port` are refused with what to do instead.
 * @returns the problem template + args, or undefined when valid
 */
export function checkHost(value: string): { template: string; args: (string | number)[] } | undefined {
  const host = value.trim();
  if (host === '') return { template: msg('Enter the host name of the license server.'), args: [] };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host))
    return {
      template: msg('Enter the host name only, without "{0}".'),
      args: [host.slice(0, host.indexOf('://') + 3)],
    };
  if (host.includes('@'))
    return {
      template: msg('Enter the host name only; put the user name ("{0}") into the user field.'),
      args: [host.slice(0, host.lastIndexOf('@'))],
    };
  if (/\s/.test(host)) return { template: msg('A host name contains no spaces.'), args: [] };
  const colons = (host.match(/:/g) ?? []).length;
  if (colons === 1)
    return {
      template: msg('Enter the port in the port field, not after the host name ("{0}").'),
      args: [host.slice(host.indexOf(':'))],
    };
  if (colons > 1) {
    const bare = host.replace(/^\[|\]$/g, '');
    return /^[0-9a-f:.]+$/i.test(bare)
      ? undefined
      : { template: msg('"{0}" is not a valid host name or IP address.'), args: [host] };
  }
  if (
    !/^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*\.?$/i.test(host) ||
    host.length > 253
  ) {
    return { template: msg('"{0}" is not a valid host name or IP address.'), args: [host] };
  }
  return undefined;
}

/** Checks a port given as text or number: an integer 1–65535. @returns the problem, or undefined */
export function checkPort(value: string | number): { template: string; args: (string | number)[] } | undefined {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535)
    return { template: msg('The port must be a number from 1 to 65535 (SFTP usually 22), not "{0}".'), args: [text] };
  return undefined;
}

/** Checks a pinned host key fingerprint: `SHA256:` + 43 base64 characters (OpenSSH `ssh-keygen -lf`). */
export function checkFingerprint(value: string): { template: string; args: (string | number)[] } | undefined {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(value.trim())
    ? undefined
    : {
        template: msg(
          'A host key fingerprint looks like SHA256: followed by 43 characters (as "ssh-keygen -lf" prints it), not "{0}".',
        ),
        args: [value],
      };
}

/**
 * Normalises a remote folder as typed by an admin (C19): backslashes become `/`, a drive letter `C:\x` or `C:/x`
 * becomes `/C:/x` (the form Windows OpenSSH expects), repeated slashes collapse, a trailing slash is dropped.
 * A relative folder stays relative (to the login folder). Never uses the local `path` module's separators.
 */
export function normaliseRemoteDir(input: string): string {
  let dir = input.trim().replace(/\\/g, '/');
  if (/^[A-Za-z]:(\/|$)/.test(dir)) dir = `/${dir}`;
  dir = dir.replace(/\/{2,}/g, '/');
  if (dir.length > 1 && dir.endsWith('/')) dir = dir.slice(0, -1);
  return dir;
}

/** Joins a (normalised) remote folder and a file name with POSIX rules, whatever the local OS (C19). */
export function remoteJoin(dir: string, name: string): string {
  return dir === '' ? name : path.posix.join(dir, name);
}

/** Checks the remote folder: no NUL, no control characters, no `..` segment. */
export function checkRemoteDir(value: string): { template: string; args: (string | number)[] } | undefined {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(value))
    return { template: msg('The remote folder contains a control character.'), args: [] };
  if (normaliseRemoteDir(value).split('/').includes('..'))
    return {
      template: msg('The remote folder must not contain "..": give the folder as the license provider named it.'),
      args: [],
    };
  return undefined;
}

/** The form as typed (all text). */
export interface SftpSettingsInput {
  readonly host: string;
  readonly port: string | number;
  readonly username: string;
  readonly authMethod: SftpAuthMethod;
  readonly remoteDir: string;
  readonly hostKeyFingerprint?: string;
}

/**
 * Validates and normalises the whole form (one validator for extension and CLI).
 * @throws SftpSettingsError listing every invalid field
 */
export function validateSftpSettings(input: SftpSettingsInput): SftpSettings {
  const problems: SftpFieldProblem[] = [];
  const add = (
    field: SftpFieldProblem['field'],
    p: { template: string; args: (string | number)[] } | undefined,
  ): void => {
    if (p) problems.push({ field, ...p });
  };
  add('host', checkHost(input.host));
  add('port', checkPort(input.port));
  if (input.username.trim() === '')
    add('username', { template: msg('Enter the user name the license provider gave you.'), args: [] });
  else if (/[\s@:]/.test(input.username.trim()))
    add('username', {
      template: msg('The user name "{0}" contains a space, "@" or ":"; enter the user name only.'),
      args: [input.username.trim()],
    });
  add('remoteDir', checkRemoteDir(input.remoteDir));
  const fingerprint = input.hostKeyFingerprint?.trim() || undefined;
  if (fingerprint) add('hostKeyFingerprint', checkFingerprint(fingerprint));
  if (problems.length > 0) throw new SftpSettingsError(problems);
  return {
    host: input.host.trim().replace(/^\[|\]$/g, ''),
    port: Number(String(input.port).trim()),
    username: input.username.trim(),
    authMethod: input.authMethod,
    remoteDir: normaliseRemoteDir(input.remoteDir),
    ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}),
  };
}

/** The saved SFTP settings, or undefined when none are saved (no host). */
export async function loadSftpSettings(store: AsyncQueryable): Promise<SftpSettings | undefined> {
  const row = await store.get<{
    host: string | null;
    port: number;
    username: string | null;
    auth_method: SftpAuthMethod;
    remote_dir: string | null;
    host_key_fingerprint: string | null;
  }>('SELECT host, port, username, auth_method, remote_dir, host_key_fingerprint FROM sftp_settings WHERE id = 1');
  if (!row?.host) return undefined;
  return {
    host: row.host,
    port: row.port,
    username: row.username ?? '',
    authMethod: row.auth_method,
    remoteDir: row.remote_dir ?? '',
    ...(row.host_key_fingerprint ? { hostKeyFingerprint: row.host_key_fingerprint } : {}),
  };
}

/**
 * Saves the SFTP settings (administrators only, enforced here). Changing host or port forgets the trusted host
 * key (another server needs its own first-use confirmation). Audited as `sftp.settings`.
 * @throws PermissionError, SftpSettingsError
 */
export async function saveSftpSettings(
  store: AsyncStore,
  actor: Actor,
  input: SftpSettingsInput,
  /**
   * the stored settings the edit was based on (null: none were stored): refused with ChangedMeanwhileError when
   * another admin saved other settings meanwhile
   */
  expected?: SftpSettings | null,
): Promise<SftpSettings> {
  requireAdmin(actor, 'change the SFTP settings');
  const next = validateSftpSettings(input);
  await store.transaction(async (tx) => {
    await tx.lock('sftp_settings');
    const before = await loadSftpSettings(tx);
    if (expected !== undefined && JSON.stringify(before ?? null) !== JSON.stringify(expected))
      throw new ChangedMeanwhileError(
        'The SFTP settings',
        before ? `${before.username}@${before.host}:${before.port} ${before.remoteDir}` : '—',
      );
    const sameServer = before !== undefined && before.host === next.host && before.port === next.port;
    const fingerprint = next.hostKeyFingerprint ?? (sameServer ? before.hostKeyFingerprint : undefined);
    await tx.run(
      `INSERT INTO sftp_settings (id, host, port, username, auth_method, remote_dir, host_key_fingerprint) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET host = excluded.host, port = excluded.port, username = excluded.username, auth_method = excluded.auth_method,
         remote_dir = excluded.remote_dir, host_key_fingerprint = excluded.host_key_fingerprint`,
      [next.host, next.port, next.username, next.authMethod, next.remoteDir, fingerprint ?? null],
    );
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'sftp.settings', 'sftp', 'settings', ?, ?)",
      [
        new Date().toISOString(),
        actor.id,
        before ? describeSettings(before) : null,
        describeSettings({ ...next, ...(fingerprint ? { hostKeyFingerprint: fingerprint } : {}) }),
      ],
    );
  });
  return (await loadSftpSettings(store)) ?? next;
}

/**
 * Trusts a host key for the configured server (first use, or a deliberate re-trust after a change). Audited as
 * `sftp.hostkey` with the old and new fingerprint. Administrators only.
 * @throws PermissionError; IxError E_SFTP_NOT_CONFIGURED when no settings are saved
 */
export async function trustHostKey(store: AsyncStore, actor: Actor, fingerprint: string): Promise<void> {
  requireAdmin(actor, 'trust the host key of the license server');
  const problem = checkFingerprint(fingerprint);
  if (problem) throw new SftpSettingsError([{ field: 'hostKeyFingerprint', ...problem }]);
  const before = await loadSftpSettings(store);
  if (!before) throw new SftpNotConfiguredError();
  await store.transaction(async (tx) => {
    await tx.run('UPDATE sftp_settings SET host_key_fingerprint = ? WHERE id = 1', [fingerprint]);
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'sftp.hostkey', 'sftp', ?, ?, ?)",
      [
        new Date().toISOString(),
        actor.id,
        `${before.host}:${before.port}`,
        before.hostKeyFingerprint ?? null,
        fingerprint,
      ],
    );
  });
}

/** No SFTP settings are saved yet. */
export class SftpNotConfiguredError extends IxError {
  constructor() {
    super(
      'E_SFTP_NOT_CONFIGURED',
      msg(
        'No license server is configured. An administrator enters it under "SFTP Settings…" (host, user, remote folder).',
      ),
    );
  }

  override get suggestedActions(): readonly SuggestedAction[] {
    return ['sftpSettings'];
  }
}

function describeSettings(s: SftpSettings): string {
  return `${s.username}@${s.host}:${s.port} ${s.authMethod} dir=${s.remoteDir || '.'} hostkey=${s.hostKeyFingerprint ?? '-'}`;
}
