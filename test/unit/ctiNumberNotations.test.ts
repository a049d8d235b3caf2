/**
 * Issue 16 §7: notations of German offices and Fritz!Box call lists, covered from their rules, not from a list of
 * strings — each rule is exercised over generated combinations:
 * - AVM/ETSI MMI service codes before a number (`*31#`, `#31#`, `*1xx#`): `[*#]{1,2}` + 1–4 digits + `#`;
 * - Fritz!Box internal numbers: `**` + 1–3 digits;
 * - extension words and abbreviations (DIN 5008 and office practice) with optional dot, colon, brackets, hyphen;
 * - special short numbers of the German numbering plan: 110, 112, 115, 116xyz (EU 2007/116/EC), 118xy(z);
 * - a caller on an unknown direct-dial extension of a known number: "matched by base number".
 */
import * as assert from 'node:assert/strict';
import { lookupCaller } from '../../src/core/cti/callerLookup';
import { writePhoneNumber } from '../../src/core/cti/phoneIndex';
import { dialString, isInternalNumber, normalizePhoneNumber, specialService } from '../../src/core/cti/phoneNumber';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import { smallDemoDb } from '../helpers';
import { insertId } from '../../src/core/store/asyncQueries';

const AREA = { areaCode: '030' };
const DIAL = { maxInternal: 4, outsidePrefix: '0', areaCode: '030' };

describe('cti numbers: notations of German offices and the Fritz!Box (issue 16 §7)', function () {
  this.timeout(30_000);

  it('service codes in front of a number ([*#]{1,2} + 1–4 digits + #) are kept apart and dialled first', () => {
    for (const code of ['*31#', '#31#', '*111#', '*121#', '#31#*111#', '**21#']) {
      for (const [number, e164, national] of [
        ['0301234567', '+49301234567', '00301234567'],
        ['+49 171 6783154', '+491716783154', '001716783154'],
        ['6667777', '+49306667777', '00306667777'],
      ] as const) {
        const n = normalizePhoneNumber(`${code}${number}`, AREA);
        assert.ok(
          n.kind === 'number' && n.e164 === e164 && n.serviceCode === code,
          `${code}${number}: ${JSON.stringify(n)}`,
        );
        assert.equal(dialString(`${code}${number}`, DIAL), `${code}${national}`);
      }
    }
  });

  it('Fritz!Box internal numbers (** + 1–3 digits) are internal whatever the internal length, never get an area code, keep their ** when dialled', () => {
    for (const digits of ['1', '2', '9', '50', '610', '615', '620']) {
      const n = normalizePhoneNumber(`**${digits}`, AREA);
      assert.deepEqual(n, { kind: 'internal', digits, dial: `**${digits}` });
      assert.ok(isInternalNumber(`**${digits}`, 2));
      assert.equal(dialString(`**${digits}`, { ...DIAL, maxInternal: 2 }), `**${digits}`);
    }
  });

  it('extension words and abbreviations (Durchwahl, Durchw., Dw., App., Apparat, Nebenstelle, Nebenst., NSt., ext, extension, x) and the DIN 5008 hyphen', () => {
    const words = [
      'Durchwahl',
      'durchwahl',
      'Durchw.',
      'DW',
      'Dw.',
      'dw',
      'App.',
      'App',
      'Apparat',
      'Nebenstelle',
      'Nebenst.',
      'NSt.',
      'Nst',
      'ext',
      'ext.',
      'Ext.',
      'extension',
      'x',
    ];
    const around: Array<(w: string) => string> = [
      (w) => ` ${w} 67`,
      (w) => ` ${w}67`,
      (w) => `, ${w}: 67`,
      (w) => ` (${w} 67)`,
      (w) => ` -${w} 67`,
    ];
    for (const base of ['030 12345', '+49 30 12345', '(030) 12345', '030/12345']) {
      for (const w of words) {
        for (const f of around) {
          const text = `${base}${f(w)}`;
          if (w === 'x' && f(w).startsWith(' x67') === false && f(w).includes('(')) continue; // "(x 67)" is not written
          const n = normalizePhoneNumber(text, AREA);
          assert.ok(
            n.kind === 'number' && n.e164 === '+493012345' && n.extension === '67',
            `${text}: ${JSON.stringify(n)}`,
          );
        }
      }
      // DIN 5008: the extension after a hyphen, the number grouped apart
      const din = normalizePhoneNumber(`${base}-67`, AREA);
      assert.ok(din.kind === 'number' && din.e164 === '+493012345' && din.extension === '67', `${base}-67`);
      assert.equal(dialString(`${base}-67`, DIAL), '00301234567');
    }
    // a label in front of the number, as records carry it
    for (const label of ['Tel.', 'Tel.:', 'Telefon', 'Fon:', 'Mobil', 'Fax']) {
      const n = normalizePhoneNumber(`${label} 030 12345-67`, AREA);
      assert.ok(n.kind === 'number' && n.e164 === '+493012345' && n.extension === '67', label);
    }
  });

  it('special short numbers (110, 112, 115, 116xyz, 118xy, 118xyz) never get the own area code and are dialled as they are', () => {
    const specials: Array<[string, string]> = [
      ['110', 'emergency'],
      ['112', 'emergency'],
      ['115', 'authorities'],
    ];
    for (let i = 0; i < 1000; i += 37) specials.push([`116${String(i).padStart(3, '0')}`, 'social']);
    for (let i = 0; i < 100; i += 11) specials.push([`118${String(i).padStart(2, '0')}`, 'directory']);
    for (let i = 0; i < 1000; i += 101) specials.push([`118${String(i).padStart(3, '0')}`, 'directory']);
    for (const [digits, service] of specials) {
      assert.equal(specialService(digits), service, digits);
      assert.deepEqual(normalizePhoneNumber(digits, AREA), { kind: 'special', digits, service });
      assert.equal(dialString(digits, DIAL), `0${digits}`, `${digits} is dialled with the outside-line prefix only`);
    }
    assert.equal(dialString('116117', DIAL), '0116117', 'not 0030116117');
    // neighbours of the rules are ordinary numbers: a 4-digit 1160 or a 7-digit 1161171 are local numbers
    for (const digits of ['111', '113', '1161', '1161171', '1181', '1180000'])
      assert.equal(specialService(digits), undefined, digits);
    assert.ok(normalizePhoneNumber('1161171', AREA).kind === 'number');
  });

  describe('"matched by base number": an unknown direct-dial extension of a known number finds the company', () => {
    let store: AsyncStore;
    let company: number;
    beforeEach(async () => {
      ({ db: store } = await smallDemoDb());
      await store.run('DELETE FROM phone_numbers');
      company = await insertId(
        store,
        "INSERT INTO creditors (creditor_no, name, trade) VALUES (970002, 'Hausverwaltung Nord GmbH', 'Verwaltung') RETURNING id",
      );
      await store.transaction((tx) =>
        writePhoneNumber(
          tx,
          { origin: 'creditor', partyId: company, field: 'business', raw: '030 12345-0' },
          { areaCode: '30' },
        ),
      );
      const person = await insertId(
        store,
        "INSERT INTO persons (person_no, first_name, last_name) VALUES (990002, 'Max', 'Mitarbeiter') RETURNING id",
      );
      await store.transaction((tx) =>
        writePhoneNumber(
          tx,
          { origin: 'person', partyId: person, field: 'business', raw: '030 12345-67' },
          { areaCode: '30' },
        ),
      );
    });
    afterEach(async () => store.close());

    it('a known extension finds its person; an unknown one (1–4 digits) the company, marked "base"', async () => {
      const known = await lookupCaller(store, '0301234567', { internalMaxDigits: 4, areaCode: '30' });
      assert.ok(
        known.outcome === 'matched' &&
          known.matches[0]?.name === 'Mitarbeiter, Max' &&
          known.matches[0].via === 'direct',
        JSON.stringify(known),
      );
      for (const ext of ['1', '21', '321', '4321']) {
        const r = await lookupCaller(store, `030 12345${ext}`, { internalMaxDigits: 4, areaCode: '30' });
        assert.ok(
          r.outcome === 'matched' &&
            r.matches.length === 1 &&
            r.matches[0]?.name === 'Hausverwaltung Nord GmbH' &&
            r.matches[0].via === 'base',
          `${ext}: ${JSON.stringify(r)}`,
        );
      }
      // five more digits is no extension of it any more
      assert.equal(
        (await lookupCaller(store, '030 1234554321', { internalMaxDigits: 4, areaCode: '30' })).outcome,
        'unknown',
      );
      // special numbers are not looked up and are no error
      const special = await lookupCaller(store, '116117', { internalMaxDigits: 4, areaCode: '30' });
      assert.deepEqual([special.outcome, special.outcome === 'unknown' ? special.reason : 'x'], ['unknown', undefined]);
    });
  });
});
