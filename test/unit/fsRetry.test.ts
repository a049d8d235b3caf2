/**
 * renameWithRetry (issue 17 §9). The transient refusal is made real on Linux where it can be: an immutable target
 * (`chattr +i`, needs root and ext4/xfs/btrfs) makes rename() fail with a real EPERM until the flag is lifted —
 * the nearest thing to a Windows virus scanner holding the file. EBUSY/EACCES, which Linux does not produce for a
 * plain rename, go through a mock injected at the fs edge.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RenameRetryError, renameWithRetry } from '../../src/core/fsRetry';
import { writeFileAtomic } from '../../src/core/store/atomicFile';
import { tempDir } from '../helpers';

function chattr(flag: '+i' | '-i', file: string): boolean {
  try {
    execFileSync('chattr', [flag, file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('fsRetry: renameWithRetry', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const locked: string[] = [];
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-rename-'));
  });
  afterEach(async () => {
    for (const file of locked.splice(0)) chattr('-i', file);
    await cleanup();
  });

  /** Makes `file` immutable (real EPERM on rename over it); skips the test where chattr is not possible. */
  function lock(ctx: Mocha.Context, file: string): void {
    if (!chattr('+i', file)) ctx.skip();
    locked.push(file);
  }

  it('retries a real EPERM (immutable target) and succeeds once the lock is lifted within the deadline', async function () {
    const from = path.join(dir, 'new.lic.part');
    const to = path.join(dir, 'new.lic');
    fs.writeFileSync(from, 'neu');
    fs.writeFileSync(to, 'alt');
    lock(this, to);
    assert.throws(() => fs.renameSync(from, to), /EPERM/, 'the lock is real');
    const retries: string[] = [];
    setTimeout(() => chattr('-i', to), 150);
    await renameWithRetry(from, to, { onRetry: (_n, e) => retries.push(e.code ?? '') });
    assert.equal(fs.readFileSync(to, 'utf8'), 'neu');
    assert.ok(!fs.existsSync(from));
    assert.ok(retries.length >= 2 && retries.every((c) => c === 'EPERM'), `retried: ${retries.join(',')}`);
  });

  it('gives up at the deadline with the original code, a message naming the cause, and the original error as cause', async function () {
    const from = path.join(dir, 'a');
    const to = path.join(dir, 'b');
    fs.writeFileSync(from, '1');
    fs.writeFileSync(to, '2');
    lock(this, to);
    const started = Date.now();
    await assert.rejects(renameWithRetry(from, to, { deadlineMs: 300 }), (error: unknown) => {
      assert.ok(error instanceof RenameRetryError);
      assert.equal(error.code, 'EPERM');
      assert.ok(error.attempts >= 2);
      assert.match(error.message, /virus scanner/);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'EPERM');
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 2000, `bounded by the deadline (took ${elapsed} ms)`);
    assert.equal(fs.readFileSync(from, 'utf8'), '1', 'nothing lost');
  });

  it('throws other errors at once (ENOENT is not retried)', async () => {
    const retries: number[] = [];
    await assert.rejects(
      renameWithRetry(path.join(dir, 'missing'), path.join(dir, 'x'), { onRetry: (n) => retries.push(n) }),
      { code: 'ENOENT' },
    );
    assert.deepEqual(retries, []);
  });

  it('retries EBUSY and EACCES too (mock of the Windows fs edge: Linux does not produce them for a rename)', async () => {
    const from = path.join(dir, 'c');
    const to = path.join(dir, 'd');
    fs.writeFileSync(from, 'x');
    const codes = ['EBUSY', 'EACCES'];
    const windowsRenameMock = async (a: string, b: string): Promise<void> => {
      const code = codes.shift();
      if (code) throw Object.assign(new Error(`${code}: rename '${a}' -> '${b}'`), { code });
      await fs.promises.rename(a, b);
    };
    await renameWithRetry(from, to, { rename: windowsRenameMock });
    assert.equal(fs.readFileSync(to, 'utf8'), 'x');
  });

  it('a store save (writeFileAtomic) rides out a briefly locked store file', async function () {
    const target = path.join(dir, 'ixhaus.sqlite');
    fs.writeFileSync(target, 'alter Stand');
    lock(this, target);
    setTimeout(() => chattr('-i', target), 150);
    await writeFileAtomic(target, Buffer.from('neuer Stand'));
    assert.equal(fs.readFileSync(target, 'utf8'), 'neuer Stand');
    assert.equal(fs.readFileSync(`${target}.bak`, 'utf8'), 'alter Stand');
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
  });
});
