import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** English source strings: first literal argument of `l10n.t(...)` and of `msg(...)` (core error templates). */
export function extractSourceStrings(): Map<string, string> {
  const found = new Map<string, string>();
  const pattern = /\b(?:l10n\.t|msg)\(\s*(['"])((?:\\.|(?!\1).)*)\1/g;
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(pattern)) {
      // unescape as JavaScript does, so that the key equals the runtime string (\n is a line break)
      const literal = (match[2] ?? '').replace(/\\(.)/g, (_w, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
      found.set(literal, path.relative(root, file));
    }
  }
  return found;
}

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{\d+\}/g)].map((m) => m[0]).sort();
}

describe('l10n: complete German bundle', () => {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.de.json'), 'utf8')) as Record<
    string,
    string
  >;
  const strings = extractSourceStrings();

  it('finds the source strings', () => {
    assert.ok(strings.size > 40, `only ${strings.size} strings found: the extraction pattern is broken`);
  });

  it('has a German translation, with the same placeholders, for every English source string', () => {
    const missing = [...strings.keys()].filter((s) => !(s in bundle));
    assert.deepEqual(missing, [], `missing in l10n/bundle.l10n.de.json:\n${missing.join('\n')}`);
    for (const [english, german] of Object.entries(bundle)) {
      assert.deepEqual(placeholders(german), placeholders(english), `placeholders differ for "${english}"`);
      assert.notEqual(german.trim(), '', `empty translation for "${english}"`);
    }
  });

  it('has no stale entries', () => {
    const stale = Object.keys(bundle).filter((s) => !strings.has(s));
    assert.deepEqual(stale, [], `not used in the source any more:\n${stale.join('\n')}`);
  });

  it('package.nls.de.json translates every key of package.nls.json and package.json uses only known keys', () => {
    const en = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const de = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.de.json'), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(de).sort(), Object.keys(en).sort());
    const pkg = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    for (const [, key] of pkg.matchAll(/"%([^%"]+)%"/g))
      assert.ok(key && key in en, `package.json uses %${key}% which package.nls.json lacks`);
  });
});
