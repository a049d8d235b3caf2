import { strict as assert } from 'node:assert';
import { PermissionError } from '../../src/core/errors';
import {
  CATALOG,
  buildSearchIndex,
  checkValue,
  findSetting,
  foldForSearch,
  foldWithWordStarts,
  searchSettings,
  validateCatalog,
} from '../../src/core/settings/catalog';
import type { SettingDefinition } from '../../src/core/settings/catalog';
import {
  SettingScopeError,
  SettingValueError,
  UnknownSettingError,
  VendorOnlySettingError,
  clipboardText,
  effectiveTabCounters,
  listSettingStates,
  resetSetting,
  setSetting,
  settingState,
} from '../../src/core/settings/settingsService';
import type { AsyncStore } from '../../src/core/store/asyncStore';
import type { Actor } from '../../src/core/access/rights';
import { smallDemoDb } from '../helpers';
import { scalar } from '../../src/core/store/asyncQueries';

describe('settings catalogue', () => {
  it('has at least 60 valid settings, including every one named in domain.md with its exact spelling', () => {
    assert.ok(CATALOG.length >= 60, `${CATALOG.length} settings`);
    validateCatalog(CATALOG);
    for (const name of [
      'StartIxHausPlus',
      'AutomatischeAbmeldungNachTagen',
      'BestaetigungsBox',
      'MaximaleAnzahlDerSession',
      'Datenbank-Produktivsystem',
      'LogInOutLockTimeoutMs',
      'LogoutLog',
      'LogInOutProtAktiv',
      'PlusGlobalCTIKopplungAktiv',
      'PlusGlobalCTIReactionAbhebebHoerer',
      'PlusGlobalCTIreactionNummernlaenge',
      'PlusGlobalCTIVorwahlExternAnrufe',
      'iXHausCTIKopplungAktiv',
      'PlusMeldungVersicherungPflicht',
      'PlusMeldungHinweisCaption1',
      'PlusMeldungHinweisCaption2',
      'PlusMeldungHinweisCaption3',
      'EigentuemerInfoRechte',
      'VerwalterBankDateiGenerieren',
      'KreditorAb',
      'KreditorFreistellungHinweis',
      'KreditorFreistellungSperre',
      'Zustellvariante',
    ]) {
      assert.ok(
        CATALOG.some((e) => e.name === name),
        `${name} missing`,
      );
    }
    assert.equal(findSetting('AutomatischeAbmeldungNachTagen')?.default, '3');
    assert.equal(findSetting('1.0.65.2')?.default, '3');
    assert.equal(findSetting('PlusGlobalCTIreactionNummernlaenge')?.default, '3');
    assert.equal(findSetting('PlusGlobalCTIVorwahlExternAnrufe')?.default, '0');
    assert.equal(findSetting('TabreiterZaehlerAlleUser')?.short.de, 'Tabreiter Zähler bei allen Usern aktivieren');
    assert.equal(findSetting('KreditorAb')?.vendorOnly, true);
  });

  it('refuses a catalogue with duplicates or invalid defaults', () => {
    const first = CATALOG[0] as SettingDefinition;
    assert.throws(() => validateCatalog([first, first]), /duplicate System-ID/);
    assert.throws(() => validateCatalog([{ ...first, default: 'vielleicht' }]), /default/);
  });

  it('searches case- and umlaut-insensitively over Bereich, Abschnitt, System-ID, Name and Kurzbeschreibung', () => {
    const index = buildSearchIndex('de');
    const names = (q: string): string[] => searchSettings(index, q).map((e) => e.name);
    // "cti" is inside "Produktivsystem" / "production": not a word start, so no hit in either language (issue 18)
    assert.ok(!searchSettings(buildSearchIndex('en'), 'cti').some((e) => e.name === 'Datenbank-Produktivsystem'));
    assert.ok(!names('cti').includes('Datenbank-Produktivsystem'));
    assert.deepEqual(names('Zaehler').sort(), ['TabreiterZaehlerAktiv', 'TabreiterZaehlerAlleUser']);
    assert.deepEqual(names('zähler'), names('ZAEHLER'));
    assert.deepEqual(names('1.0.65'), ['BestaetigungsBox', 'MaximaleAnzahlDerSession']);
    assert.ok(names('cti').length >= 5);
    assert.deepEqual(names('cti meldung'), [], 'all terms must match');
    assert.deepEqual(names('cti klassischen'), ['iXHausCTIKopplungAktiv']);
    assert.deepEqual(names('Klassisch CTI'), ['iXHausCTIKopplungAktiv']);
    assert.equal(names('').length, CATALOG.length);
    assert.equal(foldForSearch('Größe Übergabe'), 'groesse uebergabe');
  });

  it('matches only at word starts and CamelCase steps, umlaut-insensitively (issue 18)', () => {
    const de = buildSearchIndex('de');
    const names = (q: string): string[] => searchSettings(de, q).map((e) => e.name);
    assert.ok(names('Kopplung').includes('PlusGlobalCTIKopplungAktiv'), 'CamelCase step after an acronym');
    assert.ok(names('Kopplung').includes('iXHausCTIKopplungAktiv'));
    assert.ok(names('CTI').includes('PlusGlobalCTIKopplungAktiv'), 'CamelCase step before an acronym');
    assert.ok(names('ctikopplung').includes('PlusGlobalCTIKopplungAktiv'), 'a term may run on over a word step');
    assert.ok(names('Produktiv').includes('Datenbank-Produktivsystem'), 'word start after a hyphen');
    assert.deepEqual(names('duktiv'), [], 'never inside a word');
    assert.ok(!names('opplung').includes('PlusGlobalCTIKopplungAktiv'));
    assert.ok(names('Aktiv').includes('TabreiterZaehlerAktiv'));
    assert.ok(names('zaehler').includes('TabreiterZaehlerAlleUser'), 'ä = ae at a CamelCase step');
    assert.ok(names('Caption').includes('PlusMeldungHinweisCaption2'));
    const { folded, wordStarts } = foldWithWordStarts('Größe-ÜbergabeCTIKopplung2x');
    assert.equal(folded, 'groesse-uebergabectikopplung2x');
    // G, Ü (after the hyphen, shifted by ö → oe), C (CamelCase), K (after the acronym), 2 and x (digit steps)
    assert.deepEqual(
      [...wordStarts].map((i) => folded.slice(i, i + 3)),
      ['gro', 'ueb', 'cti', 'kop', '2x', 'x'],
    );
  });

  it('checks values by type and normalises them', () => {
    assert.deepEqual(checkValue({ kind: 'bool' }, ' aktiv '), { ok: true, value: '1' });
    assert.deepEqual(checkValue({ kind: 'int', min: 1, max: 10 }, '007'), { ok: true, value: '7' });
    assert.equal(checkValue({ kind: 'int', min: 1, max: 10 }, '11').ok, false);
    assert.equal(checkValue({ kind: 'int', min: 1, max: 10 }, '3.5').ok, false);
    assert.deepEqual(checkValue({ kind: 'enum', values: ['Basic', 'OAuth2'] }, 'oauth2'), {
      ok: true,
      value: 'OAuth2',
    });
    assert.equal(checkValue({ kind: 'string', pattern: '^[0-9]{0,4}$', maxLength: 4 }, '0a').ok, false);
  });
});

describe('settings service on the demo store', function () {
  this.timeout(30_000);
  let store: AsyncStore;
  let admin: Actor;
  let haupt: Actor;

  beforeEach(async () => ({ db: store, admin, haupt } = await smallDemoDb()));
  afterEach(async () => store.close());

  it('lists every catalogue setting with the demo values and marks changed ones', async () => {
    const states = await listSettingStates(store);
    assert.equal(states.length, CATALOG.length);
    const sessions = states.find((s) => s.definition.name === 'MaximaleAnzahlDerSession');
    assert.deepEqual([sessions?.value, sessions?.changed], ['4', true]);
    const logout = states.find((s) => s.definition.name === 'AutomatischeAbmeldungNachTagen');
    assert.deepEqual([logout?.value, logout?.changed], ['3', false]);
  });

  it('an admin sets and resets a value; each change is audited old → new; restart-required is reported', async () => {
    const change = await setSetting(store, admin, 'AutomatischeAbmeldungNachTagen', '5');
    assert.deepEqual(
      [change.oldValue, change.newValue, change.changed, change.restartRequired],
      ['3', '5', true, false],
    );
    assert.equal((await settingState(store, change.definition)).changedBy, 'admin');
    assert.equal((await setSetting(store, admin, 'PlusGlobalCTIreactionNummernlaenge', '4')).restartRequired, true);
    const reset = await resetSetting(store, admin, 'AutomatischeAbmeldungNachTagen');
    assert.deepEqual([reset.oldValue, reset.newValue], ['5', '3']);
    assert.equal(
      await scalar(store, "SELECT count(*) FROM setting_values WHERE name = 'AutomatischeAbmeldungNachTagen'"),
      0,
      'the default is not stored',
    );
    const audit = await store.query<{ old_value: string; new_value: string }>(
      "SELECT old_value, new_value FROM audit_log WHERE action = 'setting.set' AND entity_key LIKE '%AutomatischeAbmeldung%' ORDER BY id",
    );
    assert.deepEqual(
      audit.map((a) => `${a.old_value}→${a.new_value}`),
      ['3→5', '5→3'],
    );
  });

  it('refuses wrong types, out-of-range values, unknown names, vendor-only settings and non-admins', async () => {
    await assert.rejects(() => setSetting(store, admin, 'MaximaleAnzahlDerSession', 'viele'), SettingValueError);
    await assert.rejects(
      () => setSetting(store, admin, 'MaximaleAnzahlDerSession', '11'),
      (e: Error) => e instanceof SettingValueError && /outside 1–10/.test(e.message),
    );
    await assert.rejects(() => setSetting(store, admin, 'GibtEsNicht', '1'), UnknownSettingError);
    await assert.rejects(() => setSetting(store, admin, 'KreditorAb', '80000'), VendorOnlySettingError);
    await assert.rejects(() => setSetting(store, haupt, 'StartIxHausPlus', '1'), PermissionError);
    await assert.rejects(
      () => setSetting(store, admin, 'StartIxHausPlus', '1', { forUserId: haupt.id }),
      SettingScopeError,
    );
    assert.equal(
      await scalar(store, "SELECT count(*) FROM audit_log WHERE action = 'setting.set'"),
      0,
      'nothing was changed',
    );
  });

  it('user settings belong to each user; the tab counters are global AND own', async () => {
    await assert.rejects(
      () => setSetting(store, admin, 'TabreiterZaehlerAktiv', '1', { forUserId: haupt.id }),
      PermissionError,
    );
    await setSetting(store, haupt, 'TabreiterZaehlerAktiv', '1');
    assert.deepEqual(await effectiveTabCounters(store, haupt.id), { global: true, own: true, effective: true });
    await setSetting(store, admin, 'TabreiterZaehlerAlleUser', '0');
    assert.deepEqual(await effectiveTabCounters(store, haupt.id), { global: false, own: true, effective: false });
    assert.equal((await effectiveTabCounters(store, admin.id)).own, false);
  });

  it('copies Bereich, Abschnitt, Name, descriptions and value for a support mail', async () => {
    const text = clipboardText(
      await settingState(store, CATALOG.find((e) => e.name === 'PlusGlobalCTIKopplungAktiv') as SettingDefinition),
      'de',
    );
    assert.match(
      text,
      /^Bereich: iX-Haus Plus\nAbschnitt: Globale Einstellungen\nSystem-ID: 1\.30\.1\.1\nName: PlusGlobalCTIKopplungAktiv\nKurzbeschreibung: .+\nBeschreibung: .+\nWert: aktiv\nStandardwert: nicht aktiv\n$/,
    );
  });
});
