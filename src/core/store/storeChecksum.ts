import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { writeFileAtomic } from './atomicFile';

/** Suffix of the checksum file beside the store (`<store>.sum`). */
export const CHECKSUM_SUFFIX = '.sum';

/** Returns the path of the checksum file of `file`. */
export function checksumPathOf(file: string): string {
  return file + CHECKSUM_SUFFIX;
}

/** The checksum of one saved version of the store: algorithm, digest (hex) and size (bytes). */
export interface ChecksumEntry {
  readonly algorithm: 'crc32' | 'sha256';
  readonly digest: string;
  readonly size: number;
}

const HEADER = 'ixhaus-admin store checksums v1';
/** Entries kept: the newest save, the one before (= the `.bak`) and the one before that (see {@link recordBeforeReplace}). */
export const KEPT_ENTRIES = 3;

type Crc32 = (data: Uint8Array, value?: number) => number;
// zlib.crc32 exists from Node 20.15 / 22.2; VS Code's Electron and our engines (>= 20.19) have it
const crc32: Crc32 | undefined = (zlib as unknown as { crc32?: Crc32 }).crc32;

/**
 * The checksum of `bytes`: CRC-32 (zlib, ISO-HDLC polynomial; ~0.6 ms/MB) where Node has it, else SHA-256
 * (~1.7 ms/MB). It guards against damage (bit flips, torn copies, edits by other tools), not against an attacker;
 * CRC-32 detects every single-bit and every burst error up to 32 bits.
 */
export function checksumOf(bytes: Uint8Array): ChecksumEntry {
  if (crc32)
    return { algorithm: 'crc32', digest: (crc32(bytes) >>> 0).toString(16).padStart(8, '0'), size: bytes.byteLength };
  return { algorithm: 'sha256', digest: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength };
}

/** Whether `bytes` have the checksum `entry` (computed with the entry's own algorithm). */
export function matches(entry: ChecksumEntry, bytes: Uint8Array): boolean {
  if (entry.size !== bytes.byteLength) return false;
  if (entry.algorithm === 'crc32') {
    if (!crc32) return false;
    return (crc32(bytes) >>> 0).toString(16).padStart(8, '0') === entry.digest;
  }
  return createHash('sha256').update(bytes).digest('hex') === entry.digest;
}

/** The text of a checksum file (newest entry first). */
export function formatChecksums(entries: readonly ChecksumEntry[]): string {
  return `${HEADER}\n${entries.map((e) => `${e.algorithm} ${e.digest} ${e.size}\n`).join('')}`;
}

/** Parses a checksum file; undefined when it is not one (damaged, foreign). */
export function parseChecksums(text: string): ChecksumEntry[] | undefined {
  const lines = text.split('\n');
  if (lines[0] !== HEADER || lines[lines.length - 1] !== '') return undefined;
  const entries: ChecksumEntry[] = [];
  for (const line of lines.slice(1, -1)) {
    const match = /^(crc32 [0-9a-f]{8}|sha256 [0-9a-f]{64}) (\d{1,15})$/.exec(line);
    if (!match?.[1] || !match[2]) return undefined;
    const [algorithm, digest] = match[1].split(' ') as ['crc32' | 'sha256', string];
    entries.push({ algorithm, digest, size: Number(match[2]) });
  }
  return entries.length > 0 ? entries : undefined;
}

/** What the checksum file beside a store says. */
export type ChecksumFile =
  | { readonly kind: 'none' }
  | { readonly kind: 'unreadable'; readonly detail: string }
  | { readonly kind: 'entries'; readonly entries: readonly ChecksumEntry[] };

/** Reads `<file>.sum`. Never throws for a missing or damaged checksum file (the kind says which). */
export async function readChecksumFile(file: string): Promise<ChecksumFile> {
  let text: string;
  try {
    // synchronous: one small file; the thread pool's scheduling would cost more than the read
    text = readFileSync(checksumPathOf(file), 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'none' };
    return { kind: 'unreadable', detail: code ?? String(error) };
  }
  const entries = parseChecksums(text);
  return entries ? { kind: 'entries', entries } : { kind: 'unreadable', detail: 'its content is damaged' };
}

/**
 * Writes `<file>.sum` atomically (temp → fsync → rename) with `newest` first, followed by the previous entries.
 *
 * Why a sidecar written *before* the store's rename, with three entries: a save runs
 * (1) temp store file written and synced → (2) this checksum file replaced → (3) `.bak` kept → (4) store renamed.
 * A crash before (2) leaves the old store and the old checksum file; between (2) and (4) the old store and a
 * checksum file whose second entry is the old store's; after (4) the new store and its first entry. So the
 * store always matches one of the entries, and the `.bak` (the store before the last save, or the one before
 * that when the crash came between (2) and (3)) matches one of three. A trailer inside the SQLite file was not
 * chosen: other SQLite tools would see a file whose size is no multiple of the page size.
 */
export async function recordBeforeReplace(
  file: string,
  newest: ChecksumEntry,
  previous: readonly ChecksumEntry[],
): Promise<readonly ChecksumEntry[]> {
  // without duplicates (a save whose rename failed leaves its entry first and the file's own second)
  const entries: ChecksumEntry[] = [];
  for (const entry of [newest, ...previous]) {
    if (!entries.some((e) => e.algorithm === entry.algorithm && e.digest === entry.digest && e.size === entry.size))
      entries.push(entry);
  }
  entries.splice(KEPT_ENTRIES);
  await writeFileAtomic(checksumPathOf(file), Buffer.from(formatChecksums(entries), 'latin1'), {
    keepBackup: false,
    mode: 0o644,
  });
  return entries;
}
