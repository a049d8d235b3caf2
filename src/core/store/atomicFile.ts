import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { renameWithRetry } from '../fsRetry';

/** Suffix of the one backup copy kept beside the store. */
export const BACKUP_SUFFIX = '.bak';

/** Returns the path of the backup copy of `file` (`<file>.bak`). */
export function backupPathOf(file: string): string {
  return file + BACKUP_SUFFIX;
}

/** Hooks for tests that must observe the order of steps; production passes none. */
export interface AtomicWriteObserver {
  (step: 'temp-written' | 'before-replace' | 'backup-kept' | 'renamed' | 'dir-synced'): void;
}

/**
 * Replaces `target` with `data` so that a crash at any moment leaves either the complete old or the complete
 * new file (DESIGN.md §4): write a temp file in the same folder → fsync it → keep the current file as
 * `<target>.bak` (hard link, or a synced copy where links are unsupported) → rename the temp file over the
 * target → fsync the folder. The temp file is removed on failure.
 *
 * @param target absolute path of the file to replace (need not exist yet)
 * @param data   the complete new content (bytes)
 * @param options.keepBackup keep the previous content as `<target>.bak` (default true)
 * @param options.exclusive fail with EEXIST instead of replacing an existing target
 * @param options.mode file mode of a new file (default 0o600: the store holds password hashes)
 * @param options.beforeReplace runs after the temp file is synced and before the backup is kept and the target
 *        replaced (the store records its checksum there); when it throws, the target is unchanged
 * @throws the underlying `NodeJS.ErrnoException` (ENOSPC, EACCES, EROFS …); the target is then unchanged.
 */
export async function writeFileAtomic(
  target: string,
  data: Uint8Array,
  options: {
    keepBackup?: boolean;
    mode?: number;
    /** never replace an existing target: the temp file is linked to the name (EEXIST when it exists, also when it
     *  appeared meanwhile); no backup is kept then */
    exclusive?: boolean;
    observe?: AtomicWriteObserver;
    beforeReplace?: () => Promise<void>;
  } = {},
): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const observe = options.observe ?? (() => undefined);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', options.mode ?? 0o600);
    let offset = 0;
    while (offset < data.byteLength) {
      const { bytesWritten } = await handle.write(data, offset, data.byteLength - offset);
      offset += bytesWritten;
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    observe('temp-written');
    if (options.beforeReplace) {
      await options.beforeReplace();
      observe('before-replace');
    }
    if (options.exclusive === true) {
      await fs.link(temp, target);
      await fs.rm(temp, { force: true });
    } else {
      if (options.keepBackup ?? true) {
        await keepBackup(target);
        observe('backup-kept');
      }
      await renameWithRetry(temp, target);
    }
    observe('renamed');
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
  observe('dir-synced');
}

async function keepBackup(target: string): Promise<void> {
  const backup = backupPathOf(target);
  const staging = `${backup}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.link(target, staging);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return; // first save: nothing to keep yet
    // file systems without hard links (FAT, some network shares): a synced copy instead
    await fs.copyFile(target, staging);
    const copy = await fs.open(staging, 'r+');
    try {
      await copy.sync();
    } finally {
      await copy.close();
    }
  }
  try {
    await fs.rename(staging, backup);
  } catch (error) {
    await fs.rm(staging, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** fsyncs a directory so that a rename inside it is durable. Not possible on Windows, where it is skipped. */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Removes temp files that an interrupted save of `target` left in its folder (`.<name>.<pid>.<hex>.tmp` and
 * `<name>.bak.<hex>.tmp`). Call only while holding the store's write lock: then no other save can be running.
 * @returns the names removed
 */
export async function removeStaleTempFiles(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const base = path.basename(target);
  const escaped = base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // the store's temp files, its .bak staging files and the temp files of its checksum file (<name>.sum)
  const pattern = new RegExp(`^(\\.${escaped}(\\.sum)?\\.\\d+\\.[0-9a-f]{8}|${escaped}\\.bak\\.[0-9a-f]{8})\\.tmp$`);
  const removed: string[] = [];
  for (const entry of await fs.readdir(dir)) {
    if (!pattern.test(entry)) continue;
    await fs.rm(path.join(dir, entry), { force: true });
    removed.push(entry);
  }
  return removed;
}
