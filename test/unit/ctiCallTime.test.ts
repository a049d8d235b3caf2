import { strict as assert } from 'node:assert';
import { isoWithOffset, parsePbxDate } from '../../src/core/cti/callTime';

describe("cti: the telephone system's clock (Europe/Berlin, issue 16 §1)", () => {
  it('reads DD.MM.YY HH:MM[:SS] in Europe/Berlin and writes ISO 8601 with the offset of that instant', () => {
    const cases: Array<[string, string, string]> = [
      ['25.09.23 09:54:59', '2023-09-25T07:54:59.000Z', '2023-09-25T09:54:59+02:00'], // summer time
      ['05.01.24 10:00:00', '2024-01-05T09:00:00.000Z', '2024-01-05T10:00:00+01:00'], // winter time
      ['31.12.23 23:59:59', '2023-12-31T22:59:59.000Z', '2023-12-31T23:59:59+01:00'],
      ['29.02.24 12:00', '2024-02-29T11:00:00.000Z', '2024-02-29T12:00:00+01:00'], // call list: minutes only
      // the autumn hour 02:00–03:00 happens twice: the earlier (summer-time) instant is taken
      ['29.10.23 02:30:00', '2023-10-29T00:30:00.000Z', '2023-10-29T02:30:00+02:00'],
      // the spring hour 02:00–03:00 does not exist: read with the offset before the change
      ['26.03.23 02:30:00', '2023-03-26T01:30:00.000Z', '2023-03-26T03:30:00+02:00'],
    ];
    for (const [text, utc, iso] of cases) {
      const at = parsePbxDate(text);
      assert.equal(at?.toISOString(), utc, text);
      assert.equal(at && isoWithOffset(at), iso, text);
    }
    for (const bad of ['31.02.23 10:00:00', '25.13.23 10:00:00', '25.09.23 24:00:00', '25.09.2023 10:00:00', ''])
      assert.equal(parsePbxDate(bad), undefined, bad);
    assert.equal(isoWithOffset(new Date('2023-09-25T07:54:59.250Z')), '2023-09-25T09:54:59.250+02:00');
  });
});
