/**
 * "Lizenzen abrufen" and "Verbindung testen" (product.md §3; field cases C15–C19): list the remote folder, pair each
 * `*.lic` with its `*.txt`, download into a private temp folder (size caps; local names are our own, nothing from
 * the server becomes a local path), verify each with the license codec, keep per license number the highest serial
 * newer than the installed one, and return the diffs. Installing is a separate step ({@link installFetched}) after
 * the user confirmed. The session is always closed and the temp folder always removed, also on a drop or cancel.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { IxError, describeError, msg } from '../errors';
import { silentLogger } from '../log';
import { LicenseServerSession } from '../sftp/licenseServer';
import type { OpenSessionOptions } from '../sftp/licenseServer';
import type { RemoteEntry } from '../sftp/remoteEntries';
import { SftpError, SftpFileTooLargeError, SftpFileUnreadableError } from '../sftp/sftpErrors';
import { renameWithRetry } from '../fsRetry';
import type { SftpStep } from '../sftp/sftpErrors';
import { normaliseRemoteDir, remoteJoin } from '../sftp/sftpSettings';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { requireLicenseManager } from '../access/rights';
import type { Actor } from '../access/rights';
import { LicenseError, LicenseRollbackError, MAX_KEY_FILE_BYTES, MAX_LICENSE_FILE_BYTES } from './licenseFile';
import type { TrustedKeys, VerifiedLicense } from './licenseFile';
import { readKeyFile, readLicenseFile } from './licenseFileIo';
import { installCandidates, installedSerial, prepareInstall } from './licenseService';
import type { InstallResult, LicenseDiff } from './licenseService';

/** A progress report: an English template (l10n key) + args, and the share of the whole done by this step (0–100). */
export interface FetchProgress {
  readonly template: string;
  readonly args: readonly (string | number)[];
  readonly increment: number;
}

/** Options of {@link fetchLicenses}. */
export interface FetchOptions extends OpenSessionOptions {
  /** the remote folder as typed (normalised here, C19) */
  readonly remoteDir: string;
  readonly trustedKeys: TrustedKeys;
  /** judging time for verification (default now) */
  readonly now?: Date;
  /** parent of the private temp folder (default the OS temp folder) */
  readonly tempRoot?: string;
  readonly onProgress?: (progress: FetchProgress) => void;
  /**
   * Moves a completed download to its final local name (default {@link renameWithRetry}, which rides out the
   * brief EPERM/EBUSY of Windows virus scanners); tests inject a mock of such a scanner at this edge.
   */
  readonly renameFile?: (from: string, to: string) => Promise<void>;
}

/** A verified license newer than the installed one, with what installing it would change. */
export interface FetchedLicense {
  /** the remote file name (display only) */
  readonly fileName: string;
  readonly verified: VerifiedLicense;
  readonly diff: LicenseDiff;
}

/** A remote file that was not taken, with the reason (an IxError's code and text). */
export interface FetchSkip {
  readonly fileName: string;
  readonly code: string;
  readonly template: string;
  readonly args: readonly (string | number)[];
  readonly message: string;
}

/** The outcome of {@link fetchLicenses}. Durations in ms. */
export interface FetchResult {
  /** the newest licenses to install (one per license number), ordered by license number */
  readonly candidates: readonly FetchedLicense[];
  /** files refused: tampered, wrong key, unknown vendor key, expired, too large, unsafe name */
  readonly rejected: readonly FetchSkip[];
  /** valid licenses not newer than the installed one (or superseded by a newer file on the server) */
  readonly notNewer: readonly FetchSkip[];
  /** `.lic` files without their `.txt` */
  readonly unpaired: readonly string[];
  /**
   * Every other file of the folder that was not taken, with the reason (issue 17 §6–§7): `.lic` without `.txt`,
   * `.txt` without `.lic`, broken symbolic links, folders and special files, files that vanished before their
   * download, and files that are no license files at all.
   */
  readonly notTaken: readonly FetchSkip[];
  /** the normalised remote folder as requested */
  readonly remoteDir: string;
  readonly hostKey: { readonly fingerprint: string; readonly type: string };
  readonly timings: {
    readonly connectMs: number;
    readonly listMs: number;
    readonly downloadMs: number;
    readonly totalMs: number;
    readonly pairs: number;
  };
}

/** A remote name is usable only as a plain file name: no separators, no control characters, not hidden. */
export function isSafeRemoteName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && name.length <= 255 && !/[/\\\u0000-\u001f\u007f]/.test(name) && !name.startsWith('.');
}

/** Pairs `X.lic` with `X.txt` (case-insensitive, as Windows servers deliver both spellings). */
export function pairLicenseFiles(entries: readonly RemoteEntry[]): {
  pairs: { lic: RemoteEntry; txt: RemoteEntry }[];
  unpaired: RemoteEntry[];
  unsafe: RemoteEntry[];
} {
  const files = entries.filter((e) => e.type === '-');
  const unsafe = files.filter((e) => !isSafeRemoteName(e.name) && /\.(lic|txt)$/i.test(e.name));
  const safe = files.filter((e) => isSafeRemoteName(e.name));
  const keys = new Map(safe.filter((e) => /\.txt$/i.test(e.name)).map((e) => [e.name.slice(0, -4).toLowerCase(), e]));
  const pairs: { lic: RemoteEntry; txt: RemoteEntry }[] = [];
  const unpaired: RemoteEntry[] = [];
  for (const lic of safe.filter((e) => /\.lic$/i.test(e.name)).sort((a, b) => a.name.localeCompare(b.name))) {
    const txt = keys.get(lic.name.slice(0, -4).toLowerCase());
    if (txt) pairs.push({ lic, txt });
    else unpaired.push(lic);
  }
  return { pairs, unpaired, unsafe };
}

const LICENSE_OR_KEY = /\.(lic|txt)$/i;

/** Why an entry of the folder is not a candidate; `undefined` for regular files. */
export class FetchNotTakenError extends IxError {}

function typeName(type: string): string {
  return (
    (
      { d: 'folder', l: 'symbolic link', s: 'socket', p: 'named pipe', c: 'device', b: 'device' } as Record<
        string,
        string
      >
    )[type] ?? 'entry of unknown type'
  );
}

/**
 * Turns the listing into regular files: a symbolic link (or an entry of unknown type) named `*.lic`/`*.txt` is
 * followed with STAT and taken with its target's size when that is a regular file (issue 17 §6); everything that
 * cannot be taken is named with the reason — never skipped silently.
 */
async function resolveEntries(
  session: LicenseServerSession,
  remoteDir: string,
  entries: readonly RemoteEntry[],
): Promise<{ files: RemoteEntry[]; notTaken: FetchSkip[] }> {
  const files: RemoteEntry[] = [];
  const notTaken: FetchSkip[] = [];
  for (const entry of entries) {
    if (entry.type === '-') {
      files.push(entry);
      continue;
    }
    if (!LICENSE_OR_KEY.test(entry.name) || !isSafeRemoteName(entry.name)) {
      if (entry.type !== 'd') files.push(entry); // named (not a license file / unsafe name) by the pairing below
      continue;
    }
    if (entry.type === 'l' || entry.type === '?') {
      const target = await session.stat(remoteJoin(remoteDir, entry.name));
      if (target?.type === '-') {
        files.push({ name: entry.name, type: '-', size: target.size });
        continue;
      }
      notTaken.push(
        skipOf(
          entry.name,
          target === undefined
            ? new FetchNotTakenError(
                'E_FETCH_LINK_BROKEN',
                msg('{0} is a symbolic link whose target does not exist on the server; it was skipped.'),
                [entry.name],
              )
            : new FetchNotTakenError(
                'E_FETCH_NOT_FILE',
                msg('{0} is not a regular file (it is a {1}); it was skipped.'),
                [entry.name, typeName(target.type)],
              ),
        ),
      );
      continue;
    }
    notTaken.push(
      skipOf(
        entry.name,
        new FetchNotTakenError('E_FETCH_NOT_FILE', msg('{0} is not a regular file (it is a {1}); it was skipped.'), [
          entry.name,
          typeName(entry.type),
        ]),
      ),
    );
  }
  return { files, notTaken };
}

/** The reasons for regular files the pairing did not take: `.lic` without `.txt`, `.txt` without `.lic`, other files. */
function unpairedReasons(
  files: readonly RemoteEntry[],
  pairs: readonly { lic: RemoteEntry; txt: RemoteEntry }[],
): FetchSkip[] {
  const taken = new Set(pairs.flatMap((p) => [p.lic.name, p.txt.name]));
  const reasons: FetchSkip[] = [];
  for (const file of files) {
    if (taken.has(file.name) || !isSafeRemoteName(file.name)) continue;
    const base = file.name.slice(0, -4);
    if (/\.lic$/i.test(file.name))
      reasons.push(
        skipOf(
          file.name,
          new FetchNotTakenError(
            'E_FETCH_LICENSE_WITHOUT_KEY',
            msg('{0} has no key file {1} beside it; it was skipped.'),
            [file.name, `${base}.txt`],
          ),
        ),
      );
    else if (/\.txt$/i.test(file.name))
      reasons.push(
        skipOf(
          file.name,
          new FetchNotTakenError(
            'E_FETCH_KEY_WITHOUT_LICENSE',
            msg('{0} has no license file {1} beside it; it was skipped.'),
            [file.name, `${base}.lic`],
          ),
        ),
      );
    else
      reasons.push(
        skipOf(
          file.name,
          new FetchNotTakenError(
            'E_FETCH_NOT_LICENSE',
            msg('{0} is neither a license file (.lic) nor a key file (.txt); it was ignored.'),
            [file.name],
          ),
        ),
      );
  }
  return reasons;
}

function skipOf(fileName: string, error: unknown): FetchSkip {
  if (error instanceof IxError)
    return { fileName, code: error.code, template: error.template, args: error.args, message: error.message };
  return {
    fileName,
    code: 'E_UNEXPECTED',
    template: '{0}',
    args: [describeError(error)],
    message: describeError(error),
  };
}

/** An unsafe remote file name was skipped. */
export class UnsafeRemoteNameError extends IxError {
  constructor(name: string) {
    super(
      'E_SFTP_UNSAFE_NAME',
      msg('The server lists a file named "{0}", which is not a plain file name; it was skipped.'),
      [JSON.stringify(name).slice(1, -1)],
    );
  }
}

/**
 * Fetches the license files from the server and returns the newer ones with their diffs (nothing installed).
 * Needs an administrator or Hauptbenutzer (enforced here).
 * @throws PermissionError; the SftpError of the failed network step (connect, host key, authenticate, list,
 *   download — a drop mid-download is SftpDroppedError); SftpCancelledError when `signal` aborts
 */
export async function fetchLicenses(store: AsyncQueryable, actor: Actor, options: FetchOptions): Promise<FetchResult> {
  requireLicenseManager(actor, 'fetch licenses');
  const logger = options.logger ?? silentLogger;
  const report = (template: string, args: (string | number)[], increment: number): void =>
    options.onProgress?.({ template, args, increment });
  const remoteDir = normaliseRemoteDir(options.remoteDir);
  const started = Date.now();
  report(msg('Connecting to {0}…'), [options.target.host], 5);
  const session = await LicenseServerSession.open(options);
  const connectMs = Date.now() - started;
  const tempDir = await fs.mkdtemp(path.join(options.tempRoot ?? os.tmpdir(), 'ixhaus-fetch-'));
  try {
    await fs.chmod(tempDir, 0o700);
    report(msg('Listing {0}…'), [remoteDir || '.'], 5);
    const listStarted = Date.now();
    const entries = await session.list(remoteDir);
    const resolved = await resolveEntries(session, remoteDir, entries);
    const listMs = Date.now() - listStarted;
    const { pairs, unpaired, unsafe } = pairLicenseFiles(resolved.files);
    const notTaken = [...resolved.notTaken, ...unpairedReasons(resolved.files, pairs)];
    logger.info(
      `[license] ${entries.length} entries in ${remoteDir || '.'}: ${pairs.length} license pairs, ${notTaken.length} files not taken`,
    );
    for (const skip of notTaken) logger.info(`[license] not taken: ${skip.message}`);
    const rejected: FetchSkip[] = unsafe.map((e) => skipOf(e.name, new UnsafeRemoteNameError(e.name)));
    const notNewer: FetchSkip[] = [];
    const newest = new Map<string, FetchedLicense>();
    const rename = options.renameFile ?? ((from: string, to: string) => renameWithRetry(from, to));
    const downloadStarted = Date.now();
    const share = pairs.length > 0 ? 85 / pairs.length : 0;
    for (const [index, pair] of pairs.entries()) {
      report(msg('Downloading {0} ({1} of {2})…'), [pair.lic.name, index + 1, pairs.length], share);
      let licFile: string;
      let txtFile: string;
      try {
        licFile = await downloadCapped(
          session,
          remoteJoin(remoteDir, pair.lic.name),
          pair.lic.size,
          MAX_LICENSE_FILE_BYTES,
          path.join(tempDir, `${index}.lic`),
          rename,
        );
        txtFile = await downloadCapped(
          session,
          remoteJoin(remoteDir, pair.txt.name),
          pair.txt.size,
          MAX_KEY_FILE_BYTES,
          path.join(tempDir, `${index}.txt`),
          rename,
        );
      } catch (error) {
        await fs.rm(path.join(tempDir, `${index}.lic`), { force: true });
        if (error instanceof SftpFileTooLargeError) {
          rejected.push(skipOf(pair.lic.name, error));
          continue;
        }
        if (error instanceof SftpFileUnreadableError) {
          // only this pair: the other licenses are still offered (issue 17 §7)
          logger.warn(`[license] ${pair.lic.name}: ${error.message}`);
          notTaken.push(skipOf(pair.lic.name, error));
          continue;
        }
        throw error;
      }
      try {
        const candidate = await prepareInstall(
          store,
          await readLicenseFile(licFile),
          await readKeyFile(txtFile),
          options.trustedKeys,
          options.now ?? new Date(),
        );
        const verified = candidate.verified;
        const licenseNo = verified.payload.licenseNo;
        const installed = await installedSerial(store, licenseNo);
        if (installed !== undefined && verified.payload.serial <= installed) {
          notNewer.push(skipOf(pair.lic.name, new LicenseNotNewerError(licenseNo, verified.payload.serial, installed)));
          continue;
        }
        const previous = newest.get(licenseNo);
        if (previous && previous.verified.payload.serial >= verified.payload.serial) {
          notNewer.push(
            skipOf(
              pair.lic.name,
              new LicenseSupersededError(
                licenseNo,
                verified.payload.serial,
                previous.fileName,
                previous.verified.payload.serial,
              ),
            ),
          );
          continue;
        }
        if (previous)
          notNewer.push(
            skipOf(
              previous.fileName,
              new LicenseSupersededError(
                licenseNo,
                previous.verified.payload.serial,
                pair.lic.name,
                verified.payload.serial,
              ),
            ),
          );
        newest.set(licenseNo, { fileName: pair.lic.name, verified, diff: candidate.diff });
      } catch (error) {
        if (error instanceof LicenseRollbackError) notNewer.push(skipOf(pair.lic.name, error));
        else if (error instanceof LicenseError) {
          logger.warn(`[license] ${pair.lic.name} from the server rejected: ${error.code} ${error.message}`);
          rejected.push(skipOf(pair.lic.name, error));
        } else throw error;
      } finally {
        await fs.rm(licFile, { force: true });
        await fs.rm(txtFile, { force: true });
      }
    }
    const downloadMs = Date.now() - downloadStarted;
    return {
      candidates: [...newest.values()].sort((a, b) =>
        a.verified.payload.licenseNo.localeCompare(b.verified.payload.licenseNo),
      ),
      rejected,
      notNewer,
      unpaired: unpaired.map((e) => e.name),
      notTaken,
      remoteDir,
      hostKey: session.hostKey,
      timings: { connectMs, listMs, downloadMs, totalMs: Date.now() - started, pairs: pairs.length },
    };
  } finally {
    await session.close();
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

/**
 * Downloads one remote file into our own local name (created exclusively, mode 0600), within the cap: written
 * as `<name>.part` and renamed when complete, so a half-written file never carries the final name; the rename
 * rides out a virus scanner's brief lock (issue 17 §9).
 */
async function downloadCapped(
  session: LicenseServerSession,
  remotePath: string,
  listedSize: number,
  cap: number,
  localFile: string,
  rename: (from: string, to: string) => Promise<void>,
): Promise<string> {
  if (listedSize > cap) throw new SftpFileTooLargeError(remotePath, listedSize, cap);
  const data = await session.download(remotePath, cap);
  const part = `${localFile}.part`;
  await fs.writeFile(part, data, { flag: 'wx', mode: 0o600 });
  try {
    await rename(part, localFile);
  } catch (error) {
    await fs.rm(part, { force: true });
    throw error;
  }
  return localFile;
}

/** The server's license is the one already installed (or older). */
export class LicenseNotNewerError extends IxError {
  constructor(licenseNo: string, serial: number, installed: number) {
    super('E_LICENSE_NOT_NEWER', msg('License {0} serial {1} is not newer than the installed serial {2}.'), [
      licenseNo,
      serial,
      installed,
    ]);
  }
}

/** Another file on the server has a higher serial of the same license. */
export class LicenseSupersededError extends IxError {
  constructor(licenseNo: string, serial: number, newerFile: string, newerSerial: number) {
    super('E_LICENSE_SUPERSEDED', msg('License {0} serial {1} is superseded by {2} (serial {3}).'), [
      licenseNo,
      serial,
      newerFile,
      newerSerial,
    ]);
  }
}

/**
 * Installs the fetched licenses the user confirmed (all in order; each through the normal install path, so seats,
 * audit and history are the same as for a file install).
 * @throws PermissionError; the LicenseError of a license that no longer verifies (e.g. installed meanwhile)
 */
export function installFetched(
  store: AsyncStore,
  actor: Actor,
  candidates: readonly FetchedLicense[],
): Promise<InstallResult[]> {
  return installCandidates(store, actor, candidates);
}

/** One step of "Verbindung testen" with its outcome. */
export interface ConnectionTestStep {
  readonly step: SftpStep;
  readonly outcome: 'ok' | 'failed' | 'skipped';
  /** what was seen (ok) or the error text (failed) */
  readonly detail: string;
  /** the failure's template + args for localisation */
  readonly template?: string;
  readonly args?: readonly (string | number)[];
}

/** The report of "Verbindung testen". */
export interface ConnectionTestReport {
  readonly ok: boolean;
  readonly steps: readonly ConnectionTestStep[];
  /** the failure, when not ok */
  readonly error?: SftpError;
  readonly hostKey?: { readonly fingerprint: string; readonly type: string };
  /** license pairs and unpaired `.lic` files seen in the folder */
  readonly pairs?: number;
  readonly unpaired?: readonly string[];
  readonly durationMs: number;
}

const TEST_STEPS: readonly SftpStep[] = ['connect', 'handshake', 'hostKey', 'authenticate', 'list'];

/**
 * "Verbindung testen" (product.md §3): connect, handshake, host key, authenticate, list the folder; each step
 * reported with its outcome, the failed one with the cause in words. Never throws an SftpError (it is the
 * report's `error`); the session is always closed.
 */
export async function testLicenseServer(
  options: OpenSessionOptions & { readonly remoteDir: string },
): Promise<ConnectionTestReport> {
  const started = Date.now();
  const remoteDir = normaliseRemoteDir(options.remoteDir);
  let session: LicenseServerSession | undefined;
  try {
    session = await LicenseServerSession.open(options);
    const entries = await session.list(remoteDir);
    const { pairs, unpaired } = pairLicenseFiles((await resolveEntries(session, remoteDir, entries)).files);
    const key = session.hostKey;
    const details: Record<string, string> = {
      connect: `${options.target.host}:${options.target.port}`,
      handshake: 'ok',
      hostKey: `${key.type} ${key.fingerprint}`,
      authenticate: `${options.target.username} (${options.credential.kind === 'password' ? 'password' : 'private key'})`,
      list: `${remoteDir || '.'}: ${entries.length} entries, ${pairs.length} license pairs`,
    };
    return {
      ok: true,
      steps: TEST_STEPS.map((step) => ({ step, outcome: 'ok', detail: details[step] ?? '' })),
      hostKey: key,
      pairs: pairs.length,
      unpaired: unpaired.map((e) => e.name),
      durationMs: Date.now() - started,
    };
  } catch (error) {
    if (!(error instanceof SftpError)) throw error;
    const failedAt = TEST_STEPS.indexOf(error.step);
    const steps = TEST_STEPS.map((step, i): ConnectionTestStep =>
      i < failedAt
        ? { step, outcome: 'ok', detail: '' }
        : i === failedAt
          ? { step, outcome: 'failed', detail: error.message, template: error.template, args: error.args }
          : { step, outcome: 'skipped', detail: '' },
    );
    return { ok: false, steps, error, durationMs: Date.now() - started };
  } finally {
    await session?.close();
  }
}
