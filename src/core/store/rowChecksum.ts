/**
 * An order-independent checksum of a table's rows, computed in JS from the rows as either backend returns them
 * (issue 19 `store copy` "verifies row counts and checksums of each table"). Order-independent because the two
 * backends sort text differently (collations), so the rows are never compared in an ORDER BY order.
 *
 * Each row is encoded canonically — its columns in name order, each value tagged by kind: `n` null, `i` integer,
 * `r` other number (JS shortest round-trip text), `s` text (length-prefixed, so no separator can be forged), `b`
 * bytes (hex) — hashed to 64 bits (cyrb53-style mixing of two 32-bit lanes, Math.imul), and the row hashes are
 * added lane by lane modulo 2^32. A lost, extra, duplicated or changed row changes the sum (with probability
 * 1 − 2^-64 for a random change). It detects copying mistakes; it is not a cryptographic digest.
 */
import type { SqlCell } from './asyncStore';

function canonicalValue(value: SqlCell | bigint | boolean | undefined): string {
  if (value === null || value === undefined) return 'n';
  if (typeof value === 'number') return Number.isInteger(value) ? `i${value}` : `r${value}`;
  if (typeof value === 'bigint') return `i${value}`;
  if (typeof value === 'boolean') return value ? 'i1' : 'i0';
  if (typeof value === 'string') return `s${value.length}:${value}`;
  return `b${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')};`;
}

/** The canonical text of one row over `columns` (give them in the same order on both sides, e.g. sorted). */
export function canonicalRow(row: Readonly<Record<string, SqlCell>>, columns: readonly string[]): string {
  let out = '';
  for (const column of columns) out += canonicalValue(row[column]);
  return out;
}

/** Accumulates the rows of one table into a count and a 64-bit order-independent sum. */
export class RowChecksum {
  private sumA = 0;
  private sumB = 0;
  private count = 0;

  constructor(private readonly columns: readonly string[]) {}

  /** Adds one row. */
  add(row: Readonly<Record<string, SqlCell>>): void {
    const text = canonicalRow(row, this.columns);
    let h1 = 0xdeadbeef;
    let h2 = 0x41c6ce57;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.sumA = (this.sumA + (h1 >>> 0)) >>> 0;
    this.sumB = (this.sumB + (h2 >>> 0)) >>> 0;
    this.count++;
  }

  get rows(): number {
    return this.count;
  }

  /** `<rows>:<16 hex digits>` — equal on both sides when the tables hold the same rows. */
  digest(): string {
    return `${this.count}:${this.sumA.toString(16).padStart(8, '0')}${this.sumB.toString(16).padStart(8, '0')}`;
  }
}
