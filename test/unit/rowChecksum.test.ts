import { strict as assert } from 'node:assert';
import { canonicalRow, RowChecksum } from '../../src/core/store/rowChecksum';
import type { SqlRow } from '../../src/core/store/asyncStore';

function digest(rows: readonly SqlRow[], columns = ['a', 'b']): string {
  const sum = new RowChecksum(columns);
  for (const row of rows) sum.add(row);
  return sum.digest();
}

describe('row checksum of store copy (order-independent, canonical values)', () => {
  const rows: SqlRow[] = [
    { a: 1, b: 'x' },
    { a: 2, b: null },
    { a: 3, b: new Uint8Array([1, 2]) },
    { a: 4.5, b: '' },
  ];

  it('does not depend on row order', () => {
    assert.equal(digest(rows), digest([...rows].reverse()));
    assert.match(digest(rows), /^4:[0-9a-f]{16}$/);
  });

  it('changes when a row is lost, added twice or changed in one value', () => {
    const base = digest(rows);
    assert.notEqual(digest(rows.slice(1)), base);
    assert.notEqual(digest([...rows, rows[0] as SqlRow]), base);
    assert.notEqual(digest([{ a: 1, b: 'y' }, ...rows.slice(1)]), base);
    assert.notEqual(digest([{ a: 1, b: 'X' }, ...rows.slice(1)]), base, 'case matters (collations do not)');
  });

  it('tells apart values that print alike: null / empty text / text "null", number / numeric text, bytes / text', () => {
    const one = (b: SqlRow['b']): string => canonicalRow({ a: 1, b }, ['a', 'b']);
    const values = [null, '', 'null', 'n', 1, '1', 'i1', new Uint8Array([0x31]), '31', 1.5, '1.5'];
    assert.equal(new Set(values.map(one)).size, values.length);
    // a column boundary cannot be forged by the text of a value
    assert.notEqual(canonicalRow({ a: 'x', b: 'y' }, ['a', 'b']), canonicalRow({ a: 'xs1:y', b: null }, ['a', 'b']));
  });

  it('hashes Buffer and Uint8Array of the same bytes alike (PostgreSQL returns Buffer, sql.js Uint8Array)', () => {
    assert.equal(digest([{ a: 1, b: Buffer.from([7, 8, 9]) }]), digest([{ a: 1, b: new Uint8Array([7, 8, 9]) }]));
  });
});
