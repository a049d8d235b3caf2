/**
 * The entries of a remote folder as the license server's SFTP session reports them (product.md §3), and how an
 * entry's file type is read: from the permissions' file-type bits (draft-ietf-secsh-filexfer-02 §5, POSIX
 * `st_mode`), the long name only as a fallback (§7; issue 17 §5). Used by {@link LicenseServerSession}
 * (licenseServer.ts).
 */

/** An entry of a remote folder. */
export interface RemoteEntry {
  readonly name: string;
  /**
   * '-' file, 'd' folder, 'l' symbolic link, 's'/'p'/'c'/'b' other special files, '?' unknown — taken from the
   * entry's attributes (permissions' file-type bits), not from the long name, whose format is not standardised
   * (draft-ietf-secsh-filexfer-02 §7; issue 17 §5). Only when the server sends no permissions is the long name's
   * first character used.
   */
  readonly type: string;
  /** bytes */
  readonly size: number;
}

/** What `stat` (following symbolic links) says about a remote path. */
export interface RemoteStat {
  /** as {@link RemoteEntry.type}; never 'l' (links are followed) */
  readonly type: string;
  /** bytes */
  readonly size: number;
}

const S_IFMT = 0o170000;
const FILE_TYPES: ReadonlyMap<number, string> = new Map([
  [0o100000, '-'],
  [0o040000, 'd'],
  [0o120000, 'l'],
  [0o140000, 's'],
  [0o010000, 'p'],
  [0o020000, 'c'],
  [0o060000, 'b'],
]);

/**
 * The file type of an entry: from the permissions' type bits (SSH_FILEXFER_ATTR_PERMISSIONS, POSIX `st_mode`),
 * else from an `ls -l` style long name, else '?'.
 */
export function remoteFileType(mode: number | undefined, longname: string | undefined): string {
  if (typeof mode === 'number' && (mode & S_IFMT) !== 0) return FILE_TYPES.get(mode & S_IFMT) ?? '?';
  const first = longname?.[0] ?? '';
  return /^[-dlspcb][-r][-w]/.test(longname ?? '') ? first : '?';
}

export interface RawEntry {
  readonly filename: string;
  readonly longname: string;
  readonly attrs: { mode?: number; size?: number };
}
