// Synchronous file calls on purpose: each touches one tiny file (microseconds), and doing them on the thread pool
// cost an open several milliseconds of scheduling on a busy machine (bench "store … open").
import * as fs from 'node:fs';
import * as os from 'node:os';
import { randomBytes } from 'node:crypto';
import { StoreLockBrokenError } from './errors';

/** Suffix of the lock beside the store (`<store>.lock`). */
export const LOCK_SUFFIX = '.lock';

/** What a lock file says about its holder. Written once, atomically, when the lock is taken; never refreshed. */
export interface LockOwner {
  /** always 'ixhaus-admin': tells our locks from foreign files */
  readonly tool: 'ixhaus-admin';
  /** os.hostname() of the holder */
  readonly host: string;
  readonly pid: number;
  /**
   * Linux: the holder's start time in clock ticks since boot (/proc/<pid>/stat field 22) and the boot id
   * (/proc/sys/kernel/random/boot_id): a reused PID or a reboot does not keep a dead holder's lock alive.
   * Undefined where the platform has no /proc.
   */
  readonly startTicks: string | undefined;
  readonly bootId: string | undefined;
  /** ISO-8601 UTC time the lock was taken (shown to users only) */
  readonly since: string;
  /** random per lock: a save checks that the lock file still holds its own token */
  readonly token: string;
}

/** The outcome of {@link inspectLock}. */
export type LockState =
  | { readonly kind: 'free' }
  | { readonly kind: 'ours-alive'; readonly owner: LockOwner }
  | { readonly kind: 'dead'; readonly owner: LockOwner }
  | { readonly kind: 'other-host'; readonly owner: LockOwner }
  /** a lock folder of proper-lockfile (ixhaus-admin ≤ 0.1): held while its mtime is refreshed */
  | { readonly kind: 'legacy'; readonly fresh: boolean };

/** The holder of the lock as text for messages ("pid 123 on host-a since 2026-…"). */
export function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid} on ${owner.host} since ${owner.since}`;
}

/** A legacy proper-lockfile folder whose mtime is older than this is stale (its holder refreshed it every 5 s). */
const LEGACY_STALE_MS = 10_000;

function procStat(pid: number | 'self'): { state: string; startTicks: string } | undefined {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    // the command name (field 2) may contain spaces and parentheses: fields after the last ')' are fixed
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const startTicks = rest[19]; // field 22 overall = index 19 after pid, comm
    return state !== undefined && startTicks !== undefined ? { state, startTicks } : undefined;
  } catch {
    return undefined;
  }
}

let cachedBootId: string | undefined | null = null;
function bootId(): string | undefined {
  if (cachedBootId === null) {
    try {
      cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim() || undefined;
    } catch {
      cachedBootId = undefined;
    }
  }
  return cachedBootId;
}

/** Describes this process as a lock holder (with a fresh token). */
export function currentOwner(now: Date = new Date()): LockOwner {
  return {
    tool: 'ixhaus-admin',
    host: os.hostname(),
    pid: process.pid,
    startTicks: procStat('self')?.startTicks,
    bootId: bootId(),
    since: now.toISOString(),
    token: randomBytes(12).toString('hex'),
  };
}

/**
 * Whether a holder on this host is alive: the PID exists (signal 0), is not a zombie, and — where /proc tells —
 * started at the recorded time within the recorded boot. Independent of time and of the holder's event loop:
 * a holder busy for minutes in one synchronous transaction is alive.
 */
export function holderAlive(owner: LockOwner): boolean {
  if (owner.bootId !== undefined && bootId() !== undefined && owner.bootId !== bootId()) return false; // rebooted since
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false; // ESRCH: no such process
  }
  const stat = procStat(owner.pid);
  if (stat === undefined) return true; // no /proc (macOS, Windows): signal 0 is all we know
  if (stat.state === 'Z' || stat.state === 'X') return false; // killed, not yet reaped
  return owner.startTicks === undefined || owner.startTicks === stat.startTicks;
}

function parseOwner(text: string): LockOwner | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const optionalString = (x: unknown): boolean => x === undefined || typeof x === 'string';
  if (
    v.tool !== 'ixhaus-admin' ||
    typeof v.host !== 'string' ||
    typeof v.pid !== 'number' ||
    !Number.isSafeInteger(v.pid) ||
    v.pid <= 0
  )
    return undefined;
  if (
    typeof v.since !== 'string' ||
    typeof v.token !== 'string' ||
    !optionalString(v.startTicks) ||
    !optionalString(v.bootId)
  )
    return undefined;
  return {
    tool: 'ixhaus-admin',
    host: v.host,
    pid: v.pid,
    startTicks: v.startTicks as string | undefined,
    bootId: v.bootId as string | undefined,
    since: v.since,
    token: v.token,
  };
}

/**
 * Reads the lock at `lockFile` and judges its holder.
 * @throws StoreLockBrokenError when something that is not an ixhaus-admin lock sits there (a plain file, an
 *         unreadable or half-written lock): it names the file and says when to delete it
 */
export async function inspectLock(lockFile: string, now: number = Date.now()): Promise<LockState> {
  let stat;
  try {
    stat = fs.lstatSync(lockFile);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw error;
  }
  if (stat.isDirectory()) return { kind: 'legacy', fresh: now - stat.mtimeMs < LEGACY_STALE_MS };
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'free' };
    throw new StoreLockBrokenError(lockFile, error instanceof Error ? error.message : String(error));
  }
  const owner = parseOwner(text);
  if (!owner)
    throw new StoreLockBrokenError(lockFile, text.length === 0 ? 'it is empty' : 'it is not an ixhaus-admin lock');
  if (owner.host !== os.hostname()) return { kind: 'other-host', owner };
  return holderAlive(owner) ? { kind: 'ours-alive', owner } : { kind: 'dead', owner };
}

/**
 * Creates the lock file atomically with its complete content: written to a temp file, then hard-linked to the
 * lock name (link fails with EEXIST when a lock exists, so two takers never both win). Where hard links are not
 * supported (FAT, some shares) `open(wx)` is used instead.
 * @returns true when this call created the lock, false when one exists
 */
async function createLockFile(lockFile: string, owner: LockOwner): Promise<boolean> {
  const content = `${JSON.stringify(owner)}\n`;
  const temp = `${lockFile}.${owner.token}.tmp`;
  fs.writeFileSync(temp, content, { mode: 0o644, flag: 'wx' });
  try {
    fs.linkSync(temp, lockFile);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV' && code !== 'ENOSYS')
      throw error;
    try {
      fs.writeFileSync(lockFile, content, { mode: 0o644, flag: 'wx' });
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

/**
 * Removes a lock judged dead (or taken over) without ever removing a lock that replaced it in the meantime:
 * the lock is renamed aside, and when the renamed file is not the one judged (another process took the lock
 * between the judgement and the rename) it is linked back.
 * @returns true when the judged lock is gone
 */
async function removeJudgedLock(lockFile: string, judged: LockOwner | undefined): Promise<boolean> {
  const aside = `${lockFile}.${randomBytes(6).toString('hex')}.stale`;
  try {
    fs.renameSync(lockFile, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  }
  let text = '';
  try {
    text = fs.readFileSync(aside, 'utf8');
  } catch {
    // gone meanwhile: nothing to give back
  }
  const found = parseOwner(text);
  if (judged === undefined || found?.token === judged.token) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // not the lock we judged: give it back to its holder
  try {
    fs.linkSync(aside, lockFile);
  } catch {
    // another lock appeared meanwhile; the compare-and-swap of every save still protects the file
  }
  fs.rmSync(aside, { force: true });
  return false;
}

/** The result of {@link acquireLock}. */
export type AcquireResult =
  | { readonly acquired: true; readonly owner: LockOwner; readonly tookOverFrom: LockOwner | undefined }
  | { readonly acquired: false; readonly holder: LockOwner | undefined };

/**
 * Takes the store's write lock (`<store>.lock`, DESIGN.md §4 "One writer"). The rules:
 * - a lock whose holder is alive on this host is never taken, however old (no time-based staleness);
 * - a lock whose holder is dead on this host (crashed, kill -9, reboot, PID reused) is taken at once;
 * - a lock held from another host (network share) is never taken automatically: its holder cannot be checked
 *   from here (README "Store"); `takeOver` (after the user confirmed) takes it anyway;
 * - a proper-lockfile folder of an older ixhaus-admin is honoured while its holder refreshes it (10 s);
 * - `waitMs` > 0 retries while the lock is held, for at most that long (a CLI writer waiting for another).
 * @throws StoreLockBrokenError for a foreign file at the lock's place; the file system's error otherwise
 */
export async function acquireLock(
  lockFile: string,
  options: { takeOver?: boolean; waitMs?: number } = {},
): Promise<AcquireResult> {
  const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
  let delay = 20;
  let tookOverFrom: LockOwner | undefined;
  for (;;) {
    const owner = currentOwner();
    if (await createLockFile(lockFile, owner)) return { acquired: true, owner, tookOverFrom };
    const state = await inspectLock(lockFile);
    if (state.kind === 'free') continue; // released between our attempt and the look
    if (state.kind === 'dead') {
      if (await removeJudgedLock(lockFile, state.owner)) tookOverFrom = state.owner;
      continue;
    }
    if (state.kind === 'legacy' && !state.fresh) {
      fs.rmSync(lockFile, { recursive: true, force: true });
      continue;
    }
    const holder = state.kind === 'legacy' ? undefined : state.owner;
    if (options.takeOver) {
      if (state.kind === 'legacy') fs.rmSync(lockFile, { recursive: true, force: true });
      else if (await removeJudgedLock(lockFile, state.owner)) tookOverFrom = state.owner;
      continue;
    }
    if (Date.now() >= deadline) return { acquired: false, holder };
    await new Promise((resolve) => setTimeout(resolve, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 250);
  }
}

/**
 * Whether the lock file still holds `owner`'s token (no other process took it over). Cheap (one small read);
 * every save asks before it writes.
 */
export async function stillHeld(lockFile: string, owner: LockOwner): Promise<boolean> {
  try {
    return parseOwner(fs.readFileSync(lockFile, 'utf8'))?.token === owner.token;
  } catch {
    return false;
  }
}

/** Releases the lock when it is still `owner`'s (never removes a lock another process took over). */
export async function releaseLock(lockFile: string, owner: LockOwner): Promise<void> {
  if (await stillHeld(lockFile, owner)) await removeJudgedLock(lockFile, owner);
}
