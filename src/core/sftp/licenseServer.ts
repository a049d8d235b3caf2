/**
 * One SFTP session with the license server (product.md §3) over ssh2-sftp-client, hardened for the field cases:
 * - C15: algorithm mismatches are named with both sides' lists (taken from ssh2's debug output); no insecure
 *   algorithm is ever added.
 * - C16: `tryKeyboard` answers a single password prompt; the server's allowed methods are read from
 *   `USERAUTH_FAILURE` and compared with the configured one; never retried in a loop.
 * - C18: every step has its own timeout (connect/handshake/auth, each operation, close), after which the socket is
 *   destroyed; `close()` never throws and never waits longer than its timeout; a drop mid-transfer is a clean
 *   {@link SftpDroppedError}.
 * - Host keys are pinned by their OpenSSH fingerprint `SHA256:<base64, no padding>` of the SSH wire-format key
 *   (RFC 4253 §6.6); an unknown key and a changed key are refused (never accepted silently).
 */
import { createHash } from 'node:crypto';
import SftpClient from 'ssh2-sftp-client';
import type { Client as SshClient, ConnectConfig, SFTPWrapper } from 'ssh2';
import { silentLogger } from '../log';
import type { Logger } from '../log';
import {
  SftpCancelledError,
  SftpDroppedError,
  SftpError,
  SftpFileTooLargeError,
  SftpFileUnreadableError,
  SftpFolderError,
  SftpTimeoutError,
} from './sftpErrors';
import type { SftpStep } from './sftpErrors';
import { classifyConnectError, dropDetail, isDrop } from './sftpConnectErrors';
import type { Progress } from './sftpConnectErrors';
import { remoteFileType } from './remoteEntries';
import type { RawEntry, RemoteEntry, RemoteStat } from './remoteEntries';

/** Where to connect. */
export interface LicenseServerTarget {
  readonly host: string;
  /** TCP port 1–65535 */
  readonly port: number;
  readonly username: string;
}

/** The secret part: a password, or a private key (OpenSSH/PEM text) with an optional passphrase. */
export type SftpCredential =
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'privateKey'; readonly privateKey: string | Buffer; readonly passphrase?: string };

/** Timeouts in milliseconds (C18). */
export interface SftpTimeouts {
  /** TCP connect + SSH handshake + authentication (ssh2 `readyTimeout`); default 20 000 */
  readonly connectMs: number;
  /** each list/stat/download; default 60 000 */
  readonly operationMs: number;
  /** closing the session; after it the socket is destroyed; default 5 000 */
  readonly closeMs: number;
}

export const DEFAULT_SFTP_TIMEOUTS: SftpTimeouts = { connectMs: 20_000, operationMs: 60_000, closeMs: 5_000 };

/** Options of {@link LicenseServerSession.open}. */
export interface OpenSessionOptions {
  readonly target: LicenseServerTarget;
  readonly credential: SftpCredential;
  /** the pinned fingerprint `SHA256:…`; undefined = first use (the key is refused and named) */
  readonly knownHostKey?: string;
  readonly timeouts?: Partial<SftpTimeouts>;
  /** aborts every step; the socket is destroyed at once */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** The OpenSSH fingerprint of a host key: `SHA256:` + base64 of SHA-256 over the wire-format key, no padding. */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named at the start of an SSH wire-format public key (`ssh-ed25519`, `rsa-sha2-512` …). */
export function hostKeyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

/**
 * A connected, authenticated SFTP session. Open with {@link LicenseServerSession.open}; always `close()` it
 * (it never throws).
 */
export class LicenseServerSession {
  /** the fingerprint and type of the server's host key, as verified */
  readonly hostKey: { readonly fingerprint: string; readonly type: string };
  private closed = false;

  private constructor(
    private readonly client: SftpClient,
    private readonly targetText: string,
    private readonly timeouts: SftpTimeouts,
    private readonly signal: AbortSignal | undefined,
    private readonly logger: Logger,
    hostKey: { fingerprint: string; type: string },
    private readonly debugLines: string[],
  ) {
    this.hostKey = hostKey;
  }

  /**
   * Connects, verifies the host key against `knownHostKey` and authenticates.
   * @throws SftpConnectError, SftpTimeoutError, SftpAlgorithmError, SftpHostKeyUnknownError (first use),
   *   SftpHostKeyChangedError, SftpAuthMethodError, SftpAuthRejectedError, SftpPrivateKeyError, SftpCancelledError,
   *   SftpDroppedError
   */
  static async open(options: OpenSessionOptions): Promise<LicenseServerSession> {
    const timeouts = { ...DEFAULT_SFTP_TIMEOUTS, ...options.timeouts };
    const logger = options.logger ?? silentLogger;
    const { target, credential } = options;
    const targetText = `${target.host}:${target.port}`;
    const debugLines: string[] = [];
    const progress: Progress = {
      socketConnected: false,
      handshakeDone: false,
      hostKeyChecked: false,
      authenticated: false,
    };
    let seenKey: { fingerprint: string; type: string } | undefined;
    let hostKeyVerdict: 'unknown' | 'changed' | undefined;

    const client = new SftpClient('ixhaus-license-server', {
      error: (err: unknown) =>
        logger.debug(`[sftp] ${targetText}: ${err instanceof Error ? err.message : String(err)}`),
      end: () => logger.trace(`[sftp] ${targetText}: end`),
      close: () => logger.trace(`[sftp] ${targetText}: close`),
    });
    const debug = (line: string): void => {
      debugLines.push(line);
      if (debugLines.length > 400) debugLines.splice(0, 100);
      if (line.includes('Socket connected')) progress.socketConnected = true;
      if (line.includes('Handshake completed')) progress.handshakeDone = true;
      if (line.includes('USERAUTH_SUCCESS')) progress.authenticated = true;
      logger.trace(`[sftp] ${line}`);
    };
    const config: ConnectConfig & { debug: (line: string) => void } = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout: timeouts.connectMs,
      debug,
      hostVerifier: (key: Buffer): boolean => {
        progress.hostKeyChecked = true;
        seenKey = { fingerprint: hostKeyFingerprint(key), type: hostKeyType(key) };
        if (options.knownHostKey === undefined) {
          hostKeyVerdict = 'unknown';
          return false;
        }
        if (seenKey.fingerprint !== options.knownHostKey) {
          hostKeyVerdict = 'changed';
          logger.warn(
            `[sftp] ${targetText}: host key changed (trusted ${options.knownHostKey}, presented ${seenKey.type} ${seenKey.fingerprint}) — refused`,
          );
          return false;
        }
        return true;
      },
      ...(credential.kind === 'password'
        ? { password: credential.password, tryKeyboard: true }
        : {
            privateKey: credential.privateKey,
            ...(credential.passphrase ? { passphrase: credential.passphrase } : {}),
          }),
    };
    if (credential.kind === 'password') {
      // C16 b: a server that asks for the password as keyboard-interactive gets it once (single prompt only)
      sshOf(client).on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
        finish(prompts.length === 1 ? [credential.password] : prompts.map(() => ''));
      });
    }

    const started = Date.now();
    try {
      await guarded(client.connect(config), 'connect', targetText, timeouts.connectMs + 1000, options.signal, client);
    } catch (error) {
      destroy(client);
      const classified = classifyConnectError(error, {
        targetText,
        progress,
        debugLines,
        hostKeyVerdict,
        seenKey,
        knownHostKey: options.knownHostKey,
        credential,
        username: target.username,
        timeoutMs: timeouts.connectMs,
      });
      logger.warn(`[sftp] ${targetText}: ${classified.code} after ${Date.now() - started} ms: ${classified.message}`);
      throw classified;
    }
    logger.info(
      `[sftp] connected to ${target.username}@${targetText} (${seenKey?.type} ${seenKey?.fingerprint}) in ${Date.now() - started} ms`,
    );
    return new LicenseServerSession(
      client,
      targetText,
      timeouts,
      options.signal,
      logger,
      seenKey ?? { fingerprint: '', type: 'unknown' },
      debugLines,
    );
  }

  /**
   * Lists a remote folder (POSIX path as the server expects it; see normaliseRemoteDir).
   * @throws SftpFolderError (missing / not readable, naming the exact path), SftpTimeoutError, SftpDroppedError,
   *   SftpCancelledError
   */
  async list(remoteDir: string): Promise<RemoteEntry[]> {
    const dir = remoteDir === '' ? '.' : remoteDir;
    try {
      // the raw READDIR: ssh2-sftp-client's list() takes the type from the long name's first character (issue 17 §5)
      const entries = await guarded(
        new Promise<RawEntry[]>((resolve, reject) => {
          const sftp = sftpOf(this.client);
          if (!sftp) return reject(Object.assign(new Error('No SFTP connection'), { code: 'ERR_NOT_CONNECTED' }));
          sftp.readdir(dir, (error, list) => (error ? reject(error) : resolve(list as RawEntry[])));
        }),
        'list',
        this.targetText,
        this.timeouts.operationMs,
        this.signal,
        this.client,
      );
      return entries
        .filter((e) => e.filename !== '.' && e.filename !== '..')
        .map((e) => ({ name: e.filename, type: remoteFileType(e.attrs.mode, e.longname), size: e.attrs.size ?? 0 }));
    } catch (error) {
      if (error instanceof SftpError) throw error;
      const e = error as { code?: unknown; message?: string };
      if (isDrop(e)) throw new SftpDroppedError('list', this.targetText, dropDetail(e));
      throw new SftpFolderError(
        dir,
        e.code === 2 || /no such file/i.test(e.message ?? '')
          ? 'no such folder'
          : e.code === 3 || /permission/i.test(e.message ?? '')
            ? 'permission denied'
            : String(e.message),
      );
    }
  }

  /**
   * Stats a remote path, following symbolic links (SSH_FXP_STAT).
   * @returns undefined when the path (or a link's target) does not exist
   * @throws SftpFileUnreadableError (other refusals), SftpTimeoutError, SftpDroppedError, SftpCancelledError
   */
  async stat(remotePath: string): Promise<RemoteStat | undefined> {
    try {
      const attrs = await guarded(
        new Promise<{ mode?: number; size?: number }>((resolve, reject) => {
          const sftp = sftpOf(this.client);
          if (!sftp) return reject(Object.assign(new Error('No SFTP connection'), { code: 'ERR_NOT_CONNECTED' }));
          sftp.stat(remotePath, (error, stats) => (error ? reject(error) : resolve(stats)));
        }),
        'download',
        this.targetText,
        this.timeouts.operationMs,
        this.signal,
        this.client,
      );
      return { type: remoteFileType(attrs.mode, undefined), size: attrs.size ?? 0 };
    } catch (error) {
      if (error instanceof SftpError) throw error;
      const e = error as { code?: unknown; message?: string };
      if (isDrop(e)) throw new SftpDroppedError('download', this.targetText, dropDetail(e));
      if (e.code === 2 || /no such file/i.test(e.message ?? '')) return undefined;
      throw new SftpFileUnreadableError(remotePath, false, String(e.message));
    }
  }

  /**
   * Downloads a remote file into memory, reading at most `capBytes + 1` bytes.
   * @throws SftpFileTooLargeError, SftpTimeoutError, SftpDroppedError, SftpCancelledError, SftpFileUnreadableError
   *   (vanished since the listing, or unreadable)
   */
  async download(remotePath: string, capBytes: number): Promise<Buffer> {
    try {
      const data = (await guarded(
        this.client.get(remotePath, undefined, {
          readStreamOptions: { start: 0, end: capBytes },
        } as SftpClient.TransferOptions),
        'download',
        this.targetText,
        this.timeouts.operationMs,
        this.signal,
        this.client,
      )) as Buffer;
      if (data.length > capBytes) throw new SftpFileTooLargeError(remotePath, data.length, capBytes);
      return data;
    } catch (error) {
      if (error instanceof SftpError) throw error;
      const e = error as { code?: unknown; message?: string };
      if (isDrop(e)) throw new SftpDroppedError('download', this.targetText, dropDetail(e));
      // a file, not a folder: gone since the listing, or unreadable — the caller skips only this pair (issue 17 §7)
      const vanished = e.code === 2 || e.code === 'ENOENT' || /no such file/i.test(e.message ?? '');
      throw new SftpFileUnreadableError(remotePath, vanished, vanished ? 'no such file' : String(e.message));
    }
  }

  /** The last lines of ssh2's debug output (no secrets: ssh2 never prints credentials), for support. */
  diagnostics(): readonly string[] {
    return this.debugLines.slice(-60);
  }

  /** Closes the session within `closeMs`, then destroys the socket. Never throws; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.client.end().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            this.logger.warn(
              `[sftp] ${this.targetText}: close did not finish within ${this.timeouts.closeMs} ms; socket destroyed`,
            );
            resolve();
          }, this.timeouts.closeMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      destroy(this.client);
    }
  }
}

/** The SFTP channel inside ssh2-sftp-client once connected (its type declarations do not name it). */
function sftpOf(client: SftpClient): SFTPWrapper | undefined {
  return (client as unknown as { sftp?: SFTPWrapper }).sftp;
}

/** The ssh2 `Client` inside ssh2-sftp-client (its type declarations do not name it). */
function sshOf(client: SftpClient): SshClient {
  return (client as unknown as { client: SshClient }).client;
}

function destroy(client: SftpClient): void {
  try {
    sshOf(client).destroy();
  } catch {
    // already gone
  }
}

/** Races an operation against its timeout and the abort signal; on either, destroys the socket and throws. */
async function guarded<T>(
  operation: Promise<T>,
  step: SftpStep,
  targetText: string,
  ms: number,
  signal: AbortSignal | undefined,
  client: SftpClient,
): Promise<T> {
  if (signal?.aborted) {
    destroy(client);
    operation.catch(() => undefined);
    throw new SftpCancelledError(step);
  }
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      operation,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          destroy(client);
          reject(new SftpTimeoutError(step, targetText, ms));
        }, ms);
        onAbort = () => {
          destroy(client);
          reject(new SftpCancelledError(step));
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    operation.catch(() => undefined);
  }
}
