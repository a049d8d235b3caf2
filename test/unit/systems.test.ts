import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  duplicateSystem,
  findSystem,
  findSystemInFile,
  groupByCustomer,
  newSystemId,
  parseSystems,
  readSystemsFile,
  readSystemsFileEntries,
  serializeSystems,
  systemSecretKey,
  validateSystem,
} from '../../src/core/systems/systems';
import type { CustomerSystem } from '../../src/core/systems/systems';

function system(name: string, overrides: Partial<CustomerSystem> = {}): CustomerSystem {
  return {
    id: newSystemId(),
    name,
    customer: 'Müller Hausverwaltung',
    store: '/data/m.sqlite',
    kind: 'Test',
    ...overrides,
  };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  assert.fail('expected an error');
}

describe('Kundensysteme: the systems model (issue 20)', () => {
  it('round-trips a list through serialize and parse, trimming texts', () => {
    const a = system(' Müller Prod ', { kind: 'Produktion', color: '#cc0000' });
    const b = system('Schmitt Test', { customer: 'Schmitt', store: 'postgres://ixhaus_app@db.example:5433/ixhaus' });
    const parsed = parseSystems(serializeSystems([a, b]));
    assert.equal(parsed.length, 2);
    assert.equal(parsed[0]?.name, 'Müller Prod');
    assert.equal(parsed[0]?.color, '#cc0000');
    assert.equal(parsed[1]?.store, 'postgres://ixhaus_app@db.example:5433/ixhaus');
    assert.deepEqual(serializeSystems(parsed), serializeSystems(parsed.map((s) => ({ ...s }))));
    assert.equal('color' in (serializeSystems(parsed)[1] ?? {}), false);
  });

  it('treats no setting as the empty list', () => {
    assert.deepEqual(parseSystems(undefined), []);
    assert.deepEqual(parseSystems(null), []);
  });

  it('refuses duplicate names, case-insensitively, naming the existing system', () => {
    const a = system('Müller Prod');
    assert.equal(
      code(() => parseSystems(serializeSystems([a, system('MÜLLER PROD ')]))),
      'E_SYSTEM_DUPLICATE',
    );
    assert.throws(() => validateSystem(system('müller prod'), [a]), /already a system named Müller Prod/);
    // the same system (same id) may keep its own name when edited
    assert.equal(validateSystem({ ...a, customer: 'Neu' }, [a]).customer, 'Neu');
  });

  it('refuses a store URL with a password, with the reason and without echoing it', () => {
    const bad = system('X', { store: 'postgres://ixhaus_app:geheim@db:5432/ixhaus' });
    assert.equal(
      code(() => validateSystem(bad, [])),
      'E_STORE_URL_PASSWORD',
    );
    assert.throws(
      () => validateSystem(bad, []),
      (e: Error) => /contains a password/.test(e.message) && !e.message.includes('geheim'),
    );
  });

  it('refuses an unknown kind, a bad colour, an empty name, a bad id, and a list that is not an array', () => {
    assert.equal(
      code(() => validateSystem(system('X', { kind: 'Prod' as never }), [])),
      'E_SYSTEM_KIND',
    );
    assert.equal(
      code(() => validateSystem(system('X', { color: 'red;' }), [])),
      'E_SYSTEM_COLOR',
    );
    assert.equal(validateSystem(system('X', { color: 'charts.red' }), []).color, 'charts.red');
    assert.equal(
      code(() => validateSystem(system('  '), [])),
      'E_SYSTEM_NAME',
    );
    assert.equal(
      code(() => validateSystem(system('X', { id: 'Müller' }), [])),
      'E_SYSTEM_ID',
    );
    assert.equal(
      code(() => parseSystems({ name: 'x' })),
      'E_SYSTEMS_FORMAT',
    );
    assert.equal(
      code(() => parseSystems([{ name: 3 }])),
      'E_SYSTEMS_FORMAT',
    );
    assert.equal(
      code(() => parseSystems(['x'])),
      'E_SYSTEMS_FORMAT',
    );
  });

  it('gives every new system a fresh random id, also a duplicate (secrets are never inherited)', () => {
    const a = system('Müller Prod');
    const copy = duplicateSystem(a, [a], 'Kopie');
    assert.notEqual(copy.id, a.id);
    assert.equal(copy.name, 'Müller Prod (Kopie)');
    assert.equal(duplicateSystem(a, [a, copy], 'Kopie').name, 'Müller Prod (Kopie 2)');
    assert.notEqual(systemSecretKey(a.id, 'store.password'), systemSecretKey(copy.id, 'store.password'));
    // renaming keeps the key: it is built from the id only
    assert.equal(systemSecretKey(a.id, 'mail.password'), systemSecretKey({ ...a, name: 'Neu' }.id, 'mail.password'));
    assert.ok(!systemSecretKey(a.id, 'mail.password').includes('Müller'));
  });

  it('finds a system by name, or names the known ones', () => {
    const list = [system('Müller Prod'), system('Müller Test')];
    assert.equal(findSystem(list, 'müller test').name, 'Müller Test');
    assert.throws(
      () => findSystem(list, 'Schmitt'),
      /no system named Schmitt\. Known systems: Müller Prod, Müller Test/,
    );
  });

  it('groups by customer, sorted, systems without customer last', () => {
    const groups = groupByCustomer([
      system('B', { customer: 'Zeta' }),
      system('A', { customer: '' }),
      system('D', { customer: 'Alpha' }),
      system('C', { customer: 'Alpha' }),
    ]);
    assert.deepEqual(
      groups.map((g) => [g.customer, g.systems.map((s) => s.name)]),
      [
        ['Alpha', ['C', 'D']],
        ['Zeta', ['B']],
        ['', ['A']],
      ],
    );
  });

  describe('systems files for the CLI', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-systems-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('reads a plain JSON array (IXHAUS_SYSTEMS file)', () => {
      const file = path.join(dir, 'systems.json');
      const a = system('Müller Prod');
      fs.writeFileSync(file, JSON.stringify(serializeSystems([a])));
      assert.deepEqual(readSystemsFile(file), [a]);
    });

    it('reads "ixhaus.systems" from a VS Code settings.json with comments and trailing commas', () => {
      const file = path.join(dir, 'settings.json');
      const id = newSystemId();
      fs.writeFileSync(
        file,
        `{\n  // user settings\n  "editor.fontSize": 14,\n  "ixhaus.systems": [\n    { "id": "${id}", "name": "Müller Prod", "customer": "Müller", "store": "/x.sqlite", "kind": "Produktion", },\n  ],\n}\n`,
      );
      const [only] = readSystemsFile(file);
      assert.equal(only?.id, id);
      assert.equal(only?.kind, 'Produktion');
    });

    it('says which file is unreadable or broken', () => {
      assert.throws(
        () => readSystemsFile(path.join(dir, 'none.json')),
        /none\.json cannot be read \(ENOENT\)\. Name an existing file with --systems-file/,
      );
      const broken = path.join(dir, 'broken.json');
      fs.writeFileSync(broken, '[{"name": }]');
      assert.throws(
        () => readSystemsFile(broken),
        /broken\.json is not valid JSON: ValueExpected at line 1, column 11/,
      );
      const noList = path.join(dir, 'nolist.json');
      fs.writeFileSync(noList, '{ "name": "x" }');
      assert.throws(
        () => readSystemsFile(noList),
        /nolist\.json holds no systems list\. Write a JSON array of systems/,
      );
    });

    it('reads entry by entry: a broken entry names file, entry and cause; the others stay usable; its name is never taken by another', () => {
      const file = path.join(dir, 'mixed.json');
      fs.writeFileSync(
        file,
        JSON.stringify([
          { name: 'A', store: '/a.sqlite', kind: 'Test' },
          { name: 'B', store: 'postgres://u:pw@h/d', kind: 'Test' },
          { name: 'a', store: '/other.sqlite', kind: 'Test' },
          'not an object',
        ]),
      );
      const contents = readSystemsFileEntries(file);
      assert.deepEqual(
        contents.systems.map((s) => s.name),
        ['A'],
      );
      assert.deepEqual(
        contents.problems.map((p) => [p.entry, p.name, p.error.code]),
        [
          [2, 'B', 'E_SYSTEMS_ENTRY'],
          [3, 'a', 'E_SYSTEMS_ENTRY'],
          [4, '', 'E_SYSTEMS_ENTRY'],
        ],
      );
      assert.match(
        contents.problems[0]?.error.message ?? '',
        /^Entry 2 \(B\) of the systems file .*mixed\.json cannot be used: The store URL postgres:\/\/u:\*\*\*@h\/d contains a password/,
      );
      assert.match(
        contents.problems[2]?.error.message ?? '',
        /^Entry 4 of the systems file .*mixed\.json cannot be used: Entry 4 of the systems list is not an object/,
      );
      // "a" is a second entry named like "A": asking for A is ambiguous, so it is refused, not answered with the first
      assert.throws(
        () => findSystemInFile(contents, 'A'),
        /Entry 3 \(a\) of the systems file .* There is already a system named A/,
      );
      assert.throws(() => findSystemInFile(contents, 'B'), /Entry 2 \(B\)/);
      assert.throws(() => readSystemsFile(file), /Entry 2 \(B\) of the systems file/);
    });

    it('takes hand-written entries: a readable id, or none (one is made); names differing in spaces are the same', () => {
      const file = path.join(dir, 'hand.json');
      fs.writeFileSync(
        file,
        JSON.stringify([
          {
            id: 'mueller-prod',
            name: 'Müller Produktion',
            customer: 'Müller',
            store: '/srv/p.sqlite',
            kind: 'Produktion',
          },
          { name: 'Müller Test', customer: 'Müller', store: '/srv/t.sqlite', kind: 'Test' },
        ]),
      );
      const [prod, test] = readSystemsFile(file);
      assert.equal(prod?.id, 'mueller-prod');
      assert.match(test?.id ?? '', /^[0-9a-f-]{36}$/, 'a missing id is made');
      fs.writeFileSync(
        file,
        JSON.stringify([
          { name: 'Müller Produktion', customer: '', store: '/srv/p.sqlite', kind: 'Produktion' },
          { name: ' müller  produktion ', customer: '', store: '/srv/q.sqlite', kind: 'Test' },
        ]),
      );
      assert.throws(() => readSystemsFile(file), /already a system named Müller Produktion/);
    });
  });
});
