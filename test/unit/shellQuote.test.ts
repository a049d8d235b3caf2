/**
 * The POSIX quoting of values in printed "run this" hints (src/cli/shellQuote.ts): checked with a real /bin/sh,
 * which must read each quoted word back as exactly the original value.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { shellQuote, storeHintArgs } from '../../src/cli/shellQuote';

/** What /bin/sh makes of `words` (a line of quoted words): the arguments it passes, one per NUL. */
function shellWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote: values in printed hints survive a POSIX shell', () => {
  const values = [
    'postgres://ixhaus_app@127.0.0.1:5432/ixhaus?sslmode=verify-full&sslrootcert=/tmp/ca.pem',
    "O'Brien",
    'a b\tc',
    '$HOME `id` $(id) *.sqlite ~ ; | > <',
    '',
    'plain-file_1.sqlite',
  ];

  it('each value reads back unchanged, alone and several on one line', () => {
    for (const value of values) assert.deepEqual(shellWords(shellQuote(value)), [value], shellQuote(value));
    assert.deepEqual(shellWords(values.map(shellQuote).join(' ')), values);
  });

  it('leaves plain words unquoted and quotes a URL with &', () => {
    assert.equal(shellQuote('imp-20261203-1'), 'imp-20261203-1');
    assert.equal(shellQuote('/data/ixhaus.sqlite'), '/data/ixhaus.sqlite');
    assert.equal(shellQuote('postgres://a@h/d?sslmode=require&x=1'), "'postgres://a@h/d?sslmode=require&x=1'");
  });

  it('storeHintArgs names --system when the verb ran on a system, else --store, with the password variable', () => {
    assert.equal(
      storeHintArgs({ store: 'postgres://a@h/d?sslmode=require&sslrootcert=/c.pem', storePasswordEnv: 'IX_PW' }),
      "--store 'postgres://a@h/d?sslmode=require&sslrootcert=/c.pem' --store-password-env IX_PW",
    );
    assert.equal(
      storeHintArgs({ store: '/resolved/x.sqlite', system: 'Müller Prod', systemsFile: '/etc/ix systems.json' }),
      "--system 'Müller Prod' --systems-file '/etc/ix systems.json'",
    );
  });
});
