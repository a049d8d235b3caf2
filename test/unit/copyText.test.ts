/**
 * COPY text format of src/core/store/postgres/copyText.ts (PostgreSQL 15 "COPY → File Formats → Text Format").
 * The round trip through a real server is in test/integration/copyStore.test.ts.
 */
import { strict as assert } from 'node:assert';
import { copyTextCell, copyTextRows } from '../../src/core/store/postgres/copyText';

describe('COPY text format (store copy into PostgreSQL)', () => {
  it('writes NULL as \\N and the empty string as an empty cell', () => {
    assert.equal(copyTextCell(null), '\\N');
    assert.equal(copyTextCell(undefined), '\\N');
    assert.equal(copyTextCell(''), '');
  });

  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    assert.equal(copyTextCell('a\tb'), 'a\\tb');
    assert.equal(copyTextCell('line 1\nline 2\r\nline 3\r'), 'line 1\\nline 2\\r\\nline 3\\r');
    assert.equal(copyTextCell('C:\\temp\\new'), 'C:\\\\temp\\\\new');
    // the text `\N` and the end-of-data marker `\.` arrive as text, not as NULL / end of data
    assert.equal(copyTextCell('\\N'), '\\\\N');
    assert.equal(copyTextCell('\\.'), '\\\\.');
    assert.equal(copyTextCell('it\'s "quoted", | ; , ?'), 'it\'s "quoted", | ; , ?');
    assert.equal(copyTextCell('Grüße 😀 مرحبا e\u0301'), 'Grüße 😀 مرحبا e\u0301');
  });

  it('writes numbers in their shortest round-trip form, bytes as escaped bytea hex', () => {
    assert.equal(copyTextCell(0), '0');
    assert.equal(copyTextCell(-42), '-42');
    assert.equal(copyTextCell(Number.MAX_SAFE_INTEGER), '9007199254740991');
    assert.equal(copyTextCell(-Number.MAX_SAFE_INTEGER), '-9007199254740991');
    assert.equal(copyTextCell(0.1), '0.1');
    assert.equal(copyTextCell(1e-300), '1e-300');
    assert.equal(copyTextCell(-Infinity), '-Infinity');
    assert.equal(copyTextCell(new Uint8Array([0, 9, 10, 92, 255])), '\\\\x00090a5cff');
    assert.equal(copyTextCell(new Uint8Array([])), '\\\\x');
    // a view into a larger buffer: only its own bytes
    assert.equal(copyTextCell(new Uint8Array([1, 2, 3, 4]).subarray(1, 3)), '\\\\x0203');
  });

  it('joins cells with tabs and ends every row with a newline, in the given column order', () => {
    const rows = [
      { id: 1, name: 'a\tb', note: null },
      { id: 2, name: '', note: 'x\ny' },
    ];
    assert.equal(copyTextRows(rows, ['id', 'name', 'note']), '1\ta\\tb\t\\N\n2\t\tx\\ny\n');
    assert.equal(copyTextRows(rows, ['note', 'id']), '\\N\t1\nx\\ny\t2\n');
    assert.equal(copyTextRows([], ['id']), '');
  });
});
