/**
 * The classification of a failed connect to the license server (product.md §3; field cases C15, C16, C18): whatever
 * ssh2 / ssh2-sftp-client threw, read together with the session's progress and ssh2's debug output, becomes the
 * {@link SftpError} that names the cause — algorithm mismatch with both sides' lists, host key unknown/changed,
 * auth method or credential refused, timeout per step, refused/DNS/unreachable, dropped connection.
 * Used by {@link LicenseServerSession} (licenseServer.ts).
 */
import {
  SftpAlgorithmError,
  SftpAuthMethodError,
  SftpAuthRejectedError,
  SftpCancelledError,
  SftpConnectError,
  SftpDroppedError,
  SftpError,
  SftpHostKeyChangedError,
  SftpHostKeyUnknownError,
  SftpPrivateKeyError,
  SftpTimeoutError,
} from './sftpErrors';
import type { SftpStep } from './sftpErrors';
import type { SftpCredential } from './licenseServer';

/** Where the session is, for the step report and the error classification. */
export interface Progress {
  socketConnected: boolean;
  handshakeDone: boolean;
  hostKeyChecked: boolean;
  authenticated: boolean;
}

export function isDrop(e: { code?: unknown; message?: string }): boolean {
  return (
    ['ECONNRESET', 'EPIPE', 'ERR_SSH_NO_CONNECTION', 'ERR_NOT_CONNECTED'].includes(String(e.code)) ||
    /Unexpected (end|close)|No SFTP connection|not connected|ECONNRESET|socket hang up|Connection lost/i.test(
      e.message ?? '',
    )
  );
}

export function dropDetail(e: { code?: unknown; message?: string }): string {
  return typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code)
    ? e.code
    : (/E[A-Z]{4,}/.exec(e.message ?? '')?.[0] ?? 'connection closed');
}

/** Reads `Handshake: (local|remote) <label>: a,b,c` from the debug lines. */
function offered(debugLines: readonly string[], side: 'local' | 'remote', label: string): string[] {
  const prefix = `Handshake: (${side}) ${label}: `;
  const line = [...debugLines].reverse().find((l) => l.startsWith(prefix));
  return line ? line.slice(prefix.length).split(',').filter(Boolean) : [];
}

const ALGORITHM_CATEGORIES: ReadonlyArray<{ pattern: RegExp; category: string; label: string }> = [
  { pattern: /no matching key exchange/i, category: 'key exchange algorithm', label: 'KEX method' },
  { pattern: /no matching host key/i, category: 'host key algorithm', label: 'Host key format' },
  { pattern: /no matching C->S cipher/i, category: 'cipher', label: 'C->S Cipher' },
  { pattern: /no matching S->C cipher/i, category: 'cipher', label: 'S->C Cipher' },
  { pattern: /no matching C->S MAC/i, category: 'MAC algorithm', label: 'C->S MAC' },
  { pattern: /no matching S->C MAC/i, category: 'MAC algorithm', label: 'S->C MAC' },
  { pattern: /no matching .*compression/i, category: 'compression method', label: 'C->S compression' },
];

export interface ConnectContext {
  readonly targetText: string;
  readonly progress: Progress;
  readonly debugLines: readonly string[];
  readonly hostKeyVerdict: 'unknown' | 'changed' | undefined;
  readonly seenKey: { fingerprint: string; type: string } | undefined;
  readonly knownHostKey: string | undefined;
  readonly credential: SftpCredential;
  readonly username: string;
  readonly timeoutMs: number;
}

/** Turns whatever connect() threw into the SftpError that names the cause (C15, C16, C18). */
export function classifyConnectError(error: unknown, c: ConnectContext): SftpError {
  if (error instanceof SftpCancelledError) return error;
  const e = error as { code?: unknown; message?: string; level?: string };
  const message = e.message ?? String(error);
  if (c.hostKeyVerdict === 'unknown' && c.seenKey)
    return new SftpHostKeyUnknownError(c.targetText, c.seenKey.fingerprint, c.seenKey.type);
  if (c.hostKeyVerdict === 'changed' && c.seenKey && c.knownHostKey)
    return new SftpHostKeyChangedError(c.targetText, c.knownHostKey, c.seenKey.fingerprint, c.seenKey.type);
  const algorithm = ALGORITHM_CATEGORIES.find((a) => a.pattern.test(message));
  if (algorithm) {
    return new SftpAlgorithmError(
      algorithm.category,
      offered(c.debugLines, 'remote', algorithm.label),
      offered(c.debugLines, 'local', algorithm.label),
    );
  }
  if (/Cannot parse privateKey|passphrase|Unsupported key format|privateKey value does not contain/i.test(message))
    return new SftpPrivateKeyError(message.replace(/^connect: /, ''));
  if (/All configured authentication methods failed/i.test(message)) {
    const failure = [...c.debugLines].reverse().find((l) => l.includes('USERAUTH_FAILURE ('));
    const allowed = failure ? (/USERAUTH_FAILURE \(([^)]*)\)/.exec(failure)?.[1] ?? '').split(',').filter(Boolean) : [];
    const configured = c.credential.kind === 'password' ? 'password' : 'publickey';
    const usable = configured === 'password' ? ['password', 'keyboard-interactive'] : ['publickey'];
    if (allowed.length > 0 && !allowed.some((m) => usable.includes(m)))
      return new SftpAuthMethodError(allowed, configured);
    return new SftpAuthRejectedError(c.credential.kind, c.username);
  }
  if (error instanceof SftpTimeoutError || /Timed out while waiting for handshake/i.test(message)) {
    const step: SftpStep = !c.progress.socketConnected
      ? 'connect'
      : !c.progress.hostKeyChecked
        ? 'handshake'
        : 'authenticate';
    return new SftpTimeoutError(step, c.targetText, c.timeoutMs);
  }
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'ECONNREFUSED' || /refused connection/i.test(message))
    return new SftpConnectError(c.targetText, 'refused', code || 'ECONNREFUSED');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || /Address lookup failed/i.test(message))
    return new SftpConnectError(c.targetText, 'dns', code || 'ENOTFOUND');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return new SftpConnectError(c.targetText, 'unreachable', code);
  if (isDrop(e))
    return new SftpDroppedError(
      c.progress.authenticated ? 'list' : c.progress.hostKeyChecked ? 'authenticate' : 'handshake',
      c.targetText,
      dropDetail(e),
    );
  if (error instanceof SftpError) return error;
  return new SftpConnectError(c.targetText, 'other', message.replace(/^connect: /, ''));
}
