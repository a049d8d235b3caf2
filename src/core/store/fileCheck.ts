import type { Database } from 'sql.js';
import {
  StoreCorruptError,
  StoreEmptyError,
  StoreForeignError,
  StoreNotSqliteError,
  StoreTooNewError,
  StoreTruncatedError,
} from './errors';

/** `PRAGMA application_id` of every ixhaus-admin store: ASCII "IXHA". Tells our stores from other SQLite files. */
export const APPLICATION_ID = 0x49584841;

const SQLITE_MAGIC = 'SQLite format 3\u0000';
const HEADER_BYTES = 100;

/** What the SQLite file header (https://www.sqlite.org/fileformat.html §1.3) says about a file. */
export interface SqliteHeaderFacts {
  /** bytes per page (512 … 65536) */
  readonly pageSize: number;
  /** the database size in pages as recorded in the header, or undefined where the header does not vouch for it */
  readonly pageCount: number | undefined;
}

/**
 * Checks the raw bytes of a store file before SQLite sees them: not empty, the SQLite magic string, and not
 * shorter than the size the header records (a file cut short by an interrupted copy).
 * @throws StoreEmptyError, StoreNotSqliteError, StoreTruncatedError — each naming `file`.
 */
export function checkSqliteBytes(file: string, bytes: Uint8Array): SqliteHeaderFacts {
  if (bytes.byteLength === 0) throw new StoreEmptyError(file);
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(16, bytes.byteLength)).toString('latin1');
  if (magic !== SQLITE_MAGIC) throw new StoreNotSqliteError(file);
  if (bytes.byteLength < HEADER_BYTES) throw new StoreTruncatedError(file, bytes.byteLength, HEADER_BYTES);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const rawPageSize = view.getUint16(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new StoreNotSqliteError(file);
  const changeCounter = view.getUint32(24);
  const inHeaderPages = view.getUint32(28);
  const versionValidFor = view.getUint32(92);
  const pageCount = inHeaderPages > 0 && changeCounter === versionValidFor ? inHeaderPages : undefined;
  if (pageCount !== undefined && bytes.byteLength < pageCount * pageSize) {
    throw new StoreTruncatedError(file, bytes.byteLength, pageCount * pageSize);
  }
  if (bytes.byteLength % pageSize !== 0) {
    throw new StoreTruncatedError(file, bytes.byteLength, Math.ceil(bytes.byteLength / pageSize) * pageSize);
  }
  return { pageSize, pageCount };
}

/** Reads one integer pragma. */
export function pragmaNumber(db: Database, pragma: string): number {
  const result = db.exec(`PRAGMA ${pragma}`);
  const value = result[0]?.values[0]?.[0];
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/**
 * Runs `PRAGMA quick_check` (unless `options.quickCheck` is false: the file's checksum already vouches for its
 * bytes) and the identity checks on an opened database.
 * @returns the schema version (`PRAGMA user_version`)
 * @throws StoreCorruptError (quick_check fails or SQLite cannot read the file), StoreForeignError (another
 *         program's database), StoreTooNewError (a newer schema than `latestVersion`)
 */
export function checkOpenedDatabase(
  file: string,
  db: Database,
  latestVersion: number,
  options: { quickCheck?: boolean } = {},
): number {
  let problems: string[] = ['ok'];
  let applicationId: number;
  let userVersion: number;
  try {
    if (options.quickCheck ?? true) {
      const result = db.exec('PRAGMA quick_check');
      problems = (result[0]?.values ?? []).map((row) => String(row[0]));
    }
    applicationId = pragmaNumber(db, 'application_id');
    userVersion = pragmaNumber(db, 'user_version');
  } catch (error) {
    throw new StoreCorruptError(file, error instanceof Error ? error.message : String(error), error);
  }
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StoreCorruptError(file, `quick_check reports ${problems.slice(0, 3).join('; ')}`);
  }
  // Only files this program created are opened: a foreign (or blank) SQLite file never gets our schema.
  if (applicationId !== APPLICATION_ID) throw new StoreForeignError(file);
  if (userVersion > latestVersion) throw new StoreTooNewError(file, userVersion, latestVersion);
  return userVersion;
}
