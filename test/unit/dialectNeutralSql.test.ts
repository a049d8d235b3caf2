import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

/**
 * A lint-like guard for issue 19 (one async core, two backends): the SQL that core services run must be
 * dialect-neutral (src/core/store/asyncStore.ts lists the rules), so the SQLite-only forms removed in step 0 must
 * not come back. The scan reads the string and template literals of every .ts file under src/core (where the SQL
 * is) and the identifier `lastInsertRowid`; comments may still name the forms. Excluded: the shipped SQLite
 * migrations (src/core/store/migrations, never changed; src/core/store/postgres/dialect.ts translates them) and
 * the PostgreSQL backend itself (src/core/store/postgres).
 */
const root = path.join(__dirname, '../..');
const core = path.join(root, 'src/core');
const excluded = [path.join(core, 'store/migrations'), path.join(core, 'store/postgres')];

/** The forbidden forms, each with why and the neutral form to use instead. */
const FORBIDDEN: ReadonlyArray<{ form: RegExp; why: string }> = [
  {
    form: /\bINSERT\s+OR\s+(?:IGNORE|REPLACE|ABORT|FAIL|ROLLBACK)\b/i,
    why: 'SQLite conflict clause; write INSERT … ON CONFLICT (key columns) DO NOTHING | DO UPDATE SET c = excluded.c',
  },
  {
    form: /\bUPDATE\s+OR\s+(?:IGNORE|REPLACE|ABORT|FAIL|ROLLBACK)\b/i,
    why: 'SQLite conflict clause; PostgreSQL has no UPDATE OR …',
  },
  { form: /^\s*REPLACE\s+INTO\b/i, why: 'SQLite only; write INSERT … ON CONFLICT (…) DO UPDATE SET …' },
  { form: /\bifnull\s*\(/i, why: 'SQLite only; coalesce() works on both' },
  { form: /\blast_insert_rowid\s*\(/i, why: 'SQLite only; use INSERT … RETURNING id (Store.insertId)' },
  {
    form: /\bgroup_concat\s*\(/i,
    why: 'SQLite only (PostgreSQL: string_agg); aggregate in TypeScript or add a helper',
  },
  {
    form: /\bdatetime\s*\(|\bstrftime\s*\(|\bjulianday\s*\(/i,
    why: 'SQLite date functions; pass the time as an ISO-8601 UTC parameter, or order by the instant in TypeScript',
  },
  { form: /\bGLOB\b/, why: 'SQLite only (PostgreSQL: ~ or LIKE); use LIKE with lower() or check in TypeScript' },
];

function sourceFiles(dir: string): string[] {
  if (excluded.includes(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The text of every string and template literal of a file, and whether it names `lastInsertRowid`. */
function literalsOf(file: string): { literals: string[]; usesLastInsertRowid: boolean } {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const literals: string[] = [];
  let usesLastInsertRowid = false;
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literals.push(node.text);
    else if (ts.isTemplateExpression(node)) {
      // the parts between ${…} are joined with a space: `${table}` may stand for a name, never for SQL syntax
      literals.push([node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' '));
    } else if (ts.isIdentifier(node) && node.text === 'lastInsertRowid') usesLastInsertRowid = true;
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { literals, usesLastInsertRowid };
}

describe('dialect-neutral SQL in src/core (issue 19)', () => {
  const files = sourceFiles(core);

  it('scans the core services (and not the migrations or the PostgreSQL backend)', () => {
    const relative = files.map((f) => path.relative(core, f).split(path.sep).join('/'));
    for (const expected of ['cti/phoneIndex.ts', 'users/auth.ts', 'responsibility/transferService.ts'])
      assert.ok(relative.includes(expected), `${expected} is scanned`);
    assert.ok(!relative.some((f) => f.startsWith('store/migrations/') || f.startsWith('store/postgres/')));
  });

  it('finds the forbidden forms it looks for (the scanner itself works)', () => {
    const sample = path.join(core, 'cti/phoneIndex.ts');
    assert.ok(literalsOf(sample).literals.some((l) => /\bINSERT INTO phone_index\b/.test(l)));
    for (const bad of [
      'INSERT OR IGNORE INTO t (a) VALUES (?)',
      'insert or replace into meta (key, value) values (?, ?)',
      'REPLACE INTO meta (key, value) VALUES (?, ?)',
      'SELECT ifnull(a, 0) FROM t',
      'SELECT last_insert_rowid()',
      "SELECT group_concat(name, ', ') FROM t",
      "SELECT datetime('now')",
      "SELECT 1 FROM t WHERE e164 GLOB '+49*'",
    ])
      assert.ok(
        FORBIDDEN.some(({ form }) => form.test(bad)),
        bad,
      );
    assert.ok(
      !FORBIDDEN.some(({ form }) =>
        form.test('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
      ),
    );
  });

  it('no core SQL uses a SQLite-only form (INSERT OR …, ifnull, last_insert_rowid, lastInsertRowid …)', () => {
    const findings: string[] = [];
    for (const file of files) {
      const name = path.relative(core, file).split(path.sep).join('/');
      const { literals, usesLastInsertRowid } = literalsOf(file);
      if (usesLastInsertRowid) findings.push(`${name}: lastInsertRowid (use Store.insertId with RETURNING id)`);
      for (const literal of literals)
        for (const { form, why } of FORBIDDEN)
          if (form.test(literal)) findings.push(`${name}: "${literal.slice(0, 80)}" — ${why}`);
    }
    assert.deepEqual(findings, []);
  });
});

/**
 * Issue 18 §4 (DESIGN.md §1): SQL lives in src/core only. The command line, the extension, the tree providers, the
 * shared validators and the webviews call core functions; a statement written there would bypass the checks and the
 * audit of core and would have to be converted again for the PostgreSQL backend. Upper-case keywords only, so UI text
 * such as "Select a user" is not taken for SQL.
 */
const SQL_STATEMENT = /\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b/;

function allSourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return allSourceFiles(full);
    return /\.(ts|mts)$/.test(entry.name) ? [full] : [];
  });
}

describe('no SQL outside src/core (issue 18)', () => {
  it('recognises statements and leaves UI text alone (the scanner itself works)', () => {
    assert.ok(SQL_STATEMENT.test('SELECT count(*) FROM phone_numbers'));
    assert.ok(SQL_STATEMENT.test('UPDATE users SET role = ? WHERE id = ?'));
    assert.ok(!SQL_STATEMENT.test('Select a user from the list'));
  });

  it('src/cli, src/extension, src/providers, src/shared and src/webviews hold no SQL statement', () => {
    const findings: string[] = [];
    for (const folder of ['cli', 'extension', 'providers', 'shared', 'webviews'])
      for (const file of allSourceFiles(path.join(root, 'src', folder)))
        for (const literal of literalsOf(file).literals)
          if (SQL_STATEMENT.test(literal))
            findings.push(`${path.relative(root, file)}: "${literal.slice(0, 80)}" — move it into a core function`);
    assert.deepEqual(findings, []);
  });
});
