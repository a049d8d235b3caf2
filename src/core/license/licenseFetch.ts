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
import type { OpenSessionOptions, RemoteEntry } from '../sftp/licenseServer';
import { SftpError, SftpFileTooLargeError } from '../sftp/sftpErrors';
import type { SftpStep } from '../sftp/sftpErrors';
import { normaliseRemoteDir, remoteJoin } from '../sftp/sftpSettings';
import type { Store } from '../store/database';
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
  /** the normalised remote folder as requested */
  readonly remoteDir: string;
  readonly hostKey: { readonly fingerprint: string; readonly type: string };
  readonly timings: { readonly connectMs: number; readonly listMs: number; readonly downloadMs: number; readonly totalMs: number; readonly pairs: number };
}

/** A remote name is usable only as a plain file name: no separators, no control characters, not hidden. */
export function isSafeRemoteName(name: string): boolean {
  // eslint-disable-next-line no-control-regex
  return name.length > 0 && name.length <= 255 && !/[/\\\u0000-\u001f\u007f]/.test(name) && !name.startsWith('.');
}

/** Pairs `X.lic` with `X.txt` (case-insensitive, as Windows servers deliver both spellings). */
export function pairLicenseFiles(entries: readonly RemoteEntry[]): { pairs: { lic: RemoteEntry; txt: RemoteEntry }[]; unpaired: RemoteEntry[]; unsafe: RemoteEntry[] } {
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

function skipOf(fileName: string, error: unknown): FetchSkip {
  if (error instanceof IxError) return { fileName, code: error.code, template: error.template, args: error.args, message: error.message };
  return { fileName, code: 'E_UNEXPECTED', template: '{0}', args: [describeError(error)], message: describeError(error) };
}

/** An unsafe remote file name was skipped. */
export class UnsafeRemoteNameError extends IxError {
  constructor(name: string) {
    super('E_SFTP_UNSAFE_NAME', msg('The server lists a file named "{0}", which is not a plain file name; it was skipped.'), [JSON.stringify(name).slice(1, -1)]);
  }
}

/**
 * Fetches the license files from the server and returns the newer ones with their diffs (nothing installed).
 * Needs an administrator or Hauptbenutzer (enforced here).
 * @throws PermissionError; the SftpError of the failed network step (connect, host key, authenticate, list,
 *   download — a drop mid-download is SftpDroppedError); SftpCancelledError when `signal` aborts
 */
export async function fetchLicenses(store: Store, actor: Actor, options: FetchOptions): Promise<FetchResult> {
  requireLicenseManager(actor, 'fetch licenses');
  const logger = options.logger ?? silentLogger;
  const report = (template: string, args: (string | number)[], increment: number): void => options.onProgress?.({ template, args, increment });
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
    const listMs = Date.now() - listStarted;
    const { pairs, unpaired, unsafe } = pairLicenseFiles(entries);
    logger.info(`[license] ${entries.length} entries in ${remoteDir || '.'}: ${pairs.length} license pairs, ${unpaired.length} .lic without .txt`);
    const rejected: FetchSkip[] = unsafe.map((e) => skipOf(e.name, new UnsafeRemoteNameError(e.name)));
    const notNewer: FetchSkip[] = [];
    const newest = new Map<string, FetchedLicense>();
    const downloadStarted = Date.now();
    const share = pairs.length > 0 ? 85 / pairs.length : 0;
    for (const [index, pair] of pairs.entries()) {
      report(msg('Downloading {0} ({1} of {2})…'), [pair.lic.name, index + 1, pairs.length], share);
      let licFile: string;
      let txtFile: string;
      try {
        licFile = await downloadCapped(session, remoteJoin(remoteDir, pair.lic.name), pair.lic.size, MAX_LICENSE_FILE_BYTES, path.join(tempDir, `${index}.lic`));
        txtFile = await downloadCapped(session, remoteJoin(remoteDir, pair.txt.name), pair.txt.size, MAX_KEY_FILE_BYTES, path.join(tempDir, `${index}.txt`));
      } catch (error) {
        if (error instanceof SftpFileTooLargeError) {
          rejected.push(skipOf(pair.lic.name, error));
          continue;
        }
        throw error;
      }
      try {
        const candidate = prepareInstall(store, await readLicenseFile(licFile), await readKeyFile(txtFile), options.trustedKeys, options.now ?? new Date());
        const verified = candidate.verified;
        const licenseNo = verified.payload.licenseNo;
        const installed = installedSerial(store, licenseNo);
        if (installed !== undefined && verified.payload.serial <= installed) {
          notNewer.push(skipOf(pair.lic.name, new LicenseNotNewerError(licenseNo, verified.payload.serial, installed)));
          continue;
        }
        const previous = newest.get(licenseNo);
        if (previous && previous.verified.payload.serial >= verified.payload.serial) {
          notNewer.push(skipOf(pair.lic.name, new LicenseSupersededError(licenseNo, verified.payload.serial, previous.fileName, previous.verified.payload.serial)));
          continue;
        }
        if (previous) notNewer.push(skipOf(previous.fileName, new LicenseSupersededError(licenseNo, previous.verified.payload.serial, pair.lic.name, verified.payload.serial)));
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
      candidates: [...newest.values()].sort((a, b) => a.verified.payload.licenseNo.localeCompare(b.verified.payload.licenseNo)),
      rejected,
      notNewer,
      unpaired: unpaired.map((e) => e.name),
      remoteDir,
      hostKey: session.hostKey,
      timings: { connectMs, listMs, downloadMs, totalMs: Date.now() - started, pairs: pairs.length },
    };
  } finally {
    await session.close();
    await fs.rm(tempDir, { recursive: true, force: true });
  }
}

/** Downloads one remote file into our own local name (created exclusively, mode 0600), within the cap. */
async function downloadCapped(session: LicenseServerSession, remotePath: string, listedSize: number, cap: number, localFile: string): Promise<string> {
  if (listedSize > cap) throw new SftpFileTooLargeError(remotePath, listedSize, cap);
  const data = await session.download(remotePath, cap);
  await fs.writeFile(localFile, data, { flag: 'wx', mode: 0o600 });
  return localFile;
}

/** The server's license is the one already installed (or older). */
export class LicenseNotNewerError extends IxError {
  constructor(licenseNo: string, serial: number, installed: number) {
    super('E_LICENSE_NOT_NEWER', msg('License {0} serial {1} is not newer than the installed serial {2}.'), [licenseNo, serial, installed]);
  }
}

/** Another file on the server has a higher serial of the same license. */
export class LicenseSupersededError extends IxError {
  constructor(licenseNo: string, serial: number, newerFile: string, newerSerial: number) {
    super('E_LICENSE_SUPERSEDED', msg('License {0} serial {1} is superseded by {2} (serial {3}).'), [licenseNo, serial, newerFile, newerSerial]);
  }
}

/**
 * Installs the fetched licenses the user confirmed (all in order; each through the normal install path, so seats,
 * audit and history are the same as for a file install).
 * @throws PermissionError; the LicenseError of a license that no longer verifies (e.g. installed meanwhile)
 */
export function installFetched(store: Store, actor: Actor, candidates: readonly FetchedLicense[]): InstallResult[] {
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
export async function testLicenseServer(options: OpenSessionOptions & { readonly remoteDir: string }): Promise<ConnectionTestReport> {
  const started = Date.now();
  const remoteDir = normaliseRemoteDir(options.remoteDir);
  let session: LicenseServerSession | undefined;
  try {
    session = await LicenseServerSession.open(options);
    const entries = await session.list(remoteDir);
    const { pairs, unpaired } = pairLicenseFiles(entries);
    const key = session.hostKey;
    const details: Record<string, string> = {
      connect: `${options.target.host}:${options.target.port}`,
      handshake: 'ok',
      hostKey: `${key.type} ${key.fingerprint}`,
      authenticate: `${options.target.username} (${options.credential.kind === 'password' ? 'password' : 'private key'})`,
      list: `${remoteDir || '.'}: ${entries.length} entries, ${pairs.length} license pairs`,
    };
    return { ok: true, steps: TEST_STEPS.map((step) => ({ step, outcome: 'ok', detail: details[step] ?? '' })), hostKey: key, pairs: pairs.length, unpaired: unpaired.map((e) => e.name), durationMs: Date.now() - started };
  } catch (error) {
    if (!(error instanceof SftpError)) throw error;
    const failedAt = TEST_STEPS.indexOf(error.step);
    const steps = TEST_STEPS.map((step, i): ConnectionTestStep => (i < failedAt ? { step, outcome: 'ok', detail: '' } : i === failedAt ? { step, outcome: 'failed', detail: error.message, template: error.template, args: error.args } : { step, outcome: 'skipped', detail: '' }));
    return { ok: false, steps, error, durationMs: Date.now() - started };
  } finally {
    await session?.close();
  }
}
