import * as assert from 'node:assert/strict';
import {
  canonicalAreaCode,
  dialString,
  isInternalNumber,
  isSuppressedCallerId,
  normalizePhoneNumber,
} from '../../src/core/cti/phoneNumber';

/** [input, expected E.164, expected extension] — own area code 030 (Berlin) where a number has none. */
const TABLE: ReadonlyArray<readonly [string, string, string?]> = [
  // field case C20: bare "49" without + or 00
  ['491716783154', '+491716783154'],
  ['49(0)345279580', '+49345279580'],
  ['4930 1234567', '+49301234567'],
  // field case C22: local number without area code (own area code 030)
  ['6667777', '+49306667777'],
  // field case C28: national number from the call monitor
  ['04829401845', '+494829401845'],
  // 40+ German spellings seen in offices
  ['030 1234567', '+49301234567'],
  ['030/1234567', '+49301234567'],
  ['030-1234567', '+49301234567'],
  ['030 / 123 45 67', '+49301234567'],
  ['(030) 1234567', '+49301234567'],
  ['(030) 12 34 56 7', '+49301234567'],
  ['030.123.45.67', '+49301234567'],
  ['+49 30 1234567', '+49301234567'],
  ['+49 (0)30 1234567', '+49301234567'],
  ['+49(0)30-1234567', '+49301234567'],
  ['+49-30-1234567', '+49301234567'],
  ['+4930 1234567', '+49301234567'],
  ['0049 30 1234567', '+49301234567'],
  ['0049301234567', '+49301234567'],
  ['0049 (0)30 1234567', '+49301234567'],
  ['+49 30 12345-67', '+493012345', '67'],
  ['030 12345-0', '+493012345', '0'],
  ['030 12345-12', '+493012345', '12'],
  ['0221 4711-99', '+492214711', '99'],
  ['030 1234567 ext. 12', '+49301234567', '12'],
  ['030 1234567 x12', '+49301234567', '12'],
  ['030 1234567 Durchwahl 15', '+49301234567', '15'],
  ['030 1234567 App. 3', '+49301234567', '3'],
  ['0301234567#', '+49301234567'],
  ['  030 1234567  ', '+49301234567'],
  ['089 12345678', '+498912345678'],
  ['089/12 34 56 78', '+498912345678'],
  ['0221-9876543', '+492219876543'],
  ['040 - 123 456 78', '+494012345678'],
  ['069 / 2100 0', '+496921000'],
  ['0711 123456', '+49711123456'],
  ['03834 12345', '+49383412345'],
  ['038301 1234', '+49383011234'],
  ['0171 6783154', '+491716783154'],
  ['0171/6783154', '+491716783154'],
  ['0171-6783154', '+491716783154'],
  ['+49 171 6783154', '+491716783154'],
  ['+49 (0)171 6783154', '+491716783154'],
  ['0049 171 6783154', '+491716783154'],
  ['0049171 6783154', '+491716783154'],
  ['0176 12345678', '+4917612345678'],
  ['0151 12345678', '+4915112345678'],
  ['0160 1234567', '+491601234567'],
  ['+49 151 1234 5678', '+4915112345678'],
  ['0800 1234567', '+498001234567'],
  ['0180 5 123456', '+491805123456'],
  ['+43 1 5123456', '+4315123456'],
  ['0043 1 5123456', '+4315123456'],
  ['+41 44 668 18 00', '+41446681800'],
  ['+33 1 42 68 53 00', '+33142685300'],
  ['+44 20 7946 0958', '+442079460958'],
  ['00 31 20 123 4567', '+31201234567'],
  ['12345', '+493012345'],
  ['1234567', '+49301234567'],
  ['123 45 67', '+49301234567'],
  ['sip:+49301234567@pbx.example', '+49301234567'],
  ['tel:+49-30-1234567', '+49301234567'],
];

describe('cti phone numbers: normalisation table (cti-protocols.md, C20, C22, C28)', () => {
  it('has the field cases plus at least 40 more', () => {
    assert.ok(TABLE.length >= 45, `only ${TABLE.length} rows`);
  });
  for (const [input, e164, extension] of TABLE) {
    it(`${JSON.stringify(input)} → ${e164}${extension ? ` ext ${extension}` : ''}`, () => {
      const result = normalizePhoneNumber(input, { areaCode: '030' });
      assert.equal(result.kind, 'number', JSON.stringify(result));
      if (result.kind !== 'number') return;
      assert.equal(result.e164, e164);
      assert.equal(result.extension, extension);
      assert.equal(result.last8, e164.slice(-8));
    });
  }
});

describe('cti phone numbers: edge cases', () => {
  it('C20: a bare 49 number keeps the area-code-049x reading as an alternative', () => {
    const result = normalizePhoneNumber('491716783154');
    assert.equal(result.kind, 'number');
    if (result.kind === 'number') {
      assert.equal(result.reading, 'bare-country-code');
      assert.deepEqual(result.alternatives, ['+49491716783154']);
    }
  });
  it('C22: a local number without a configured area code is invalid, not thrown', () => {
    const result = normalizePhoneNumber('6667777');
    assert.equal(result.kind, 'invalid');
    if (result.kind === 'invalid') assert.match(result.reason, /own area code/);
  });
  it('C22/C25: empty, anonymous and <unknown> callers are suppressed', () => {
    for (const value of ['', '  ', 'anonymous', '<unknown>', 'Unknown', 'Restricted']) {
      assert.equal(normalizePhoneNumber(value).kind, 'suppressed', value);
      assert.ok(isSuppressedCallerId(value));
    }
    assert.ok(!isSuppressedCallerId('030123'));
  });
  it('C22: a SIP URI with a name and text are invalid, not thrown', () => {
    assert.equal(normalizePhoneNumber('500@hd-telefonie.avm.de').kind, 'invalid');
    assert.equal(normalizePhoneNumber('Zentrale').kind, 'invalid');
    assert.equal(normalizePhoneNumber('030 ABC').kind, 'invalid');
    assert.equal(normalizePhoneNumber('+').kind, 'invalid');
  });
  it('rejects a bad own area code with a clear error', () => {
    assert.throws(() => canonicalAreaCode('abc'), /own area code "abc" is not valid/);
    assert.throws(() => canonicalAreaCode('0'), /not valid/);
    assert.equal(canonicalAreaCode('030'), '30');
    assert.equal(canonicalAreaCode('221'), '221');
    assert.equal(canonicalAreaCode(''), undefined);
  });
  it('internal numbers by length (PlusGlobalCTIreactionNummernlaenge)', () => {
    assert.ok(isInternalNumber('11', 3));
    assert.ok(isInternalNumber('**610', 3));
    assert.ok(isInternalNumber('201', 3));
    assert.ok(!isInternalNumber('2011', 3));
    assert.ok(isInternalNumber('2011', 4));
    assert.ok(!isInternalNumber('', 3));
  });
  it('dial strings: internal as is, German national with the outside-line prefix, foreign with 00', () => {
    const options = { maxInternal: 3, outsidePrefix: '0', areaCode: '030' };
    assert.equal(dialString('201', options), '201');
    assert.equal(dialString('+49 (0)30 1234567', options), '00301234567');
    assert.equal(dialString('0171/6783154', options), '001716783154');
    assert.equal(dialString('+43 1 5123456', options), '0004315123456');
    assert.equal(dialString('030 12345-12', options), '00301234512');
    assert.equal(dialString('030 1234567', { ...options, outsidePrefix: '' }), '0301234567');
    assert.throws(() => dialString('Zentrale', options), /Cannot dial "Zentrale"/);
  });
});
