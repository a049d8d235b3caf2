import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store, verifyStoreFile } from '../../src/core/store/database';
import {
  StoreChecksumError,
  StoreConflictError,
  StoreCorruptError,
  StoreError,
  StoreLockBrokenError,
  StoreReadOnlyError,
} from '../../src/core/store/errors';
import {
  checksumOf,
  checksumPathOf,
  formatChecksums,
  readChecksumFile,
  recordBeforeReplace,
} from '../../src/core/store/storeChecksum';
import { acquireLock, currentOwner } from '../../src/core/store/storeLock';
import { fileBackendOnly, tempDir } from '../helpers';

async function sha(file: string): Promise<string> {
  return createHash('sha256')
    .update(await fs.readFile(file))
    .digest('hex');
}

/** A store with two saves (so that it has a .bak and a checksum file with two entries) of about 1 MB. */
async function savedStore(file: string): Promise<void> {
  const store = await Store.create(file);
  store.transaction(() => {
    for (let i = 0; i < 3000; i++)
      store.run('INSERT INTO meta (key, value) VALUES (?, ?)', [`key${i}`, `${i}`.repeat(60).slice(0, 300)]);
  });
  await store.save();
  store.run("INSERT INTO meta (key, value) VALUES ('second', 'save')");
  await store.close();
}

/** Starts a process that lives until killed, and returns its pid. */
function sleeper(): { pid: number; kill: () => Promise<void> } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid ?? 0,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('store safety: the lock (issue 15)', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('records host, pid, process start and boot in the lock; a live holder is never stale by time, however old its lock', async () => {
    const file = path.join(dir, 'live.sqlite');
    await (await Store.create(file)).close();
    const holder = sleeper();
    try {
      const owner = { ...currentOwner(new Date('2020-01-01T00:00:00Z')), pid: holder.pid };
      // the start time is that of the holder, as the holder itself would write it
      const stat = await fs.readFile(`/proc/${holder.pid}/stat`, 'latin1').catch(() => undefined);
      const startTicks = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] : undefined;
      await fs.writeFile(`${file}.lock`, JSON.stringify({ ...owner, startTicks }));
      const second = await Store.open(file);
      assert.equal(second.readOnlyReason, 'locked', 'a lock taken in 2020 by a live process still holds');
      assert.match(second.lockHolder ?? '', new RegExp(`process ${holder.pid} on ${os.hostname()}`));
      await second.close();
      await holder.kill();
      const started = performance.now();
      const third = await Store.open(file);
      const ms = performance.now() - started;
      assert.equal(third.readOnly, false, "the dead holder's lock is taken at once");
      assert.ok(ms < 1000, `took ${ms} ms`);
      const lock = JSON.parse(await fs.readFile(`${file}.lock`, 'utf8')) as Record<string, unknown>;
      assert.equal(lock.pid, process.pid);
      assert.equal(lock.host, os.hostname());
      if (process.platform === 'linux') assert.match(String(lock.startTicks), /^\d+$/);
      await third.close();
      await assert.rejects(fs.access(`${file}.lock`), 'closing releases the lock');
    } finally {
      await holder.kill().catch(() => undefined);
    }
  });

  it("a reused PID (other start time) or another boot does not keep a dead holder's lock alive", async () => {
    const file = path.join(dir, 'reuse.sqlite');
    await (await Store.create(file)).close();
    for (const fake of [{ startTicks: '1' }, { bootId: 'another-boot' }]) {
      await fs.writeFile(`${file}.lock`, JSON.stringify({ ...currentOwner(), pid: process.pid, ...fake }));
      const store = await Store.open(file);
      assert.equal(store.readOnly, false, JSON.stringify(fake));
      await store.close();
    }
  });

  it('a lock from another host is not taken automatically (only by a confirmed take-over)', async () => {
    const file = path.join(dir, 'share.sqlite');
    await (await Store.create(file)).close();
    await fs.writeFile(`${file}.lock`, JSON.stringify({ ...currentOwner(), host: 'other-host.example', pid: 4242 }));
    const store = await Store.open(file);
    assert.equal(store.readOnlyReason, 'locked');
    assert.match(store.lockHolder ?? '', /process 4242 on other-host\.example/);
    await store.close();
    const taker = await Store.open(file, { takeOver: true });
    assert.equal(taker.readOnly, false);
    await taker.close();
  });

  it('a foreign or broken .lock is named with the fix and nothing is read or changed; an old proper-lockfile folder is honoured while fresh', async () => {
    const file = path.join(dir, 'broken.sqlite');
    await (await Store.create(file)).close();
    const before = await sha(file);
    for (const content of ['', 'hello', '{"pid": 1}']) {
      await fs.writeFile(`${file}.lock`, content);
      await assert.rejects(Store.open(file), (error: Error) => {
        assert.ok(error instanceof StoreLockBrokenError, error.message);
        assert.ok(
          error.message.includes(`${file}.lock`) && /delete .*\.lock and open the store again/.test(error.message),
          error.message,
        );
        return true;
      });
      assert.equal(await fs.readFile(`${file}.lock`, 'utf8'), content, 'the foreign file is left alone');
    }
    await fs.rm(`${file}.lock`);
    await fs.mkdir(`${file}.lock`);
    const legacy = await Store.open(file);
    assert.equal(legacy.readOnlyReason, 'locked', 'a fresh proper-lockfile folder of an older version holds');
    await legacy.close();
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(`${file}.lock`, old, old);
    const after = await Store.open(file);
    assert.equal(after.readOnly, false, 'a stale one (not refreshed for 10 s) is replaced');
    await after.close();
    assert.equal(await sha(file), before);
  });

  it("two takers racing for a dead holder's lock: exactly one wins", async () => {
    const lockFile = path.join(dir, 'race.sqlite.lock');
    for (let round = 0; round < 20; round++) {
      const holder = sleeper();
      await fs.writeFile(lockFile, JSON.stringify({ ...currentOwner(), pid: holder.pid, startTicks: undefined }));
      await holder.kill();
      const results = await Promise.all([acquireLock(lockFile), acquireLock(lockFile), acquireLock(lockFile)]);
      assert.equal(results.filter((r) => r.acquired).length, 1, `round ${round}`);
      await fs.rm(lockFile);
    }
  });

  it('waits for a writer with a deadline, then opens read-only', async () => {
    const file = path.join(dir, 'wait.sqlite');
    const first = await Store.create(file);
    const started = Date.now();
    const waiting = Store.open(file, { waitForLockMs: 5000 });
    setTimeout(() => void first.close(), 300);
    const second = await waiting;
    assert.equal(second.readOnly, false, 'got the lock once the first closed');
    assert.ok(Date.now() - started >= 250);
    const third = await Store.open(file, { waitForLockMs: 200 });
    assert.equal(third.readOnlyReason, 'locked', 'the deadline passed');
    await third.close();
    await second.close();
  });
});

describe('store safety: compare-and-swap on every save (issue 15)', () => {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('a save never overwrites a file this store did not read or last write, and says so', async () => {
    const file = path.join(dir, 'cas.sqlite');
    await (await Store.create(file)).close();
    // two writers that do not see each other's lock (a share where locks do not work): the CAS is the last defence
    const a = await Store.open(file, { lock: false });
    const b = await Store.open(file, { lock: false });
    a.run("INSERT INTO meta (key, value) VALUES ('from', 'a')");
    await a.save();
    const afterA = await sha(file);
    b.run("INSERT INTO meta (key, value) VALUES ('from-b', 'b')");
    await assert.rejects(
      b.save(),
      (error: Error) =>
        error instanceof StoreConflictError &&
        /Nothing was overwritten/.test(error.message) &&
        /Reopen the store/.test(error.message),
    );
    assert.equal(await sha(file), afterA, "a's save is intact");
    assert.equal(b.readOnlyReason, 'conflict');
    assert.throws(() => b.run("INSERT INTO meta (key, value) VALUES ('x', 'y')"), StoreReadOnlyError);
    await b.close();
    a.run("INSERT INTO meta (key, value) VALUES ('again', 'a')");
    await a.save();
    await a.close();
    const reopened = await Store.open(file, { readOnly: true });
    assert.equal(reopened.scalar("SELECT value FROM meta WHERE key = 'again'"), 'a');
    assert.equal(reopened.scalar("SELECT count(*) FROM meta WHERE key = 'from-b'"), 0);
    await reopened.close();
  });

  it('a writer whose lock was taken over does not save', async () => {
    const file = path.join(dir, 'lost.sqlite');
    let told = false;
    const holder = await Store.create(file, { lockCheckMs: 60_000, onLockLost: () => (told = true) });
    const taker = await Store.open(file, { takeOver: true });
    holder.run("INSERT INTO meta (key, value) VALUES ('late', 'x')");
    await assert.rejects(holder.save(), StoreConflictError);
    assert.equal(told, true);
    assert.equal(holder.readOnlyReason, 'lock-lost');
    await holder.close();
    assert.equal(
      (await fs.readFile(`${file}.lock`, 'utf8')).includes(String(process.pid)),
      true,
      "the taker's lock stays",
    );
    await taker.close();
  });
});

describe('store safety: checksum of every save (issue 15)', function () {
  before(function () {
    fileBackendOnly(this); // the sql.js file engine itself
  });
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(async () => cleanup());

  it('100 random single-bit flips: every one refused by store check and by open, and no file modified', async () => {
    const file = path.join(dir, 'flip.sqlite');
    await savedStore(file);
    const pristine = await fs.readFile(file);
    const sideFiles = [`${file}.bak`, checksumPathOf(file)];
    const sideHashes = await Promise.all(sideFiles.map(sha));
    let byOpen = 0;
    let byCheck = 0;
    for (let i = 0; i < 100; i++) {
      const flipped = Buffer.from(pristine);
      const bit = Math.floor(Math.random() * flipped.length * 8);
      flipped[bit >> 3] = (flipped[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      await fs.writeFile(file, flipped);
      const expected = (error: Error): boolean =>
        error instanceof StoreError && (error as StoreError).backupFile === `${file}.bak`;
      await assert.rejects(
        verifyStoreFile(file),
        (error: Error) => (expected(error) ? (byCheck++, true) : false),
        `flip of bit ${bit}: store check`,
      );
      await assert.rejects(
        Store.open(file),
        (error: Error) => (expected(error) ? (byOpen++, true) : false),
        `flip of bit ${bit}: open`,
      );
      assert.deepEqual(await fs.readFile(file), flipped, 'the damaged file is not modified');
      assert.deepEqual(await Promise.all(sideFiles.map(sha)), sideHashes, 'neither .bak nor .sum is modified');
      assert.deepEqual(
        (await fs.readdir(dir)).sort(),
        ['flip.sqlite', 'flip.sqlite.bak', 'flip.sqlite.sum'],
        'no file left behind (no lock)',
      );
    }
    assert.equal(byCheck, 100);
    assert.equal(byOpen, 100);
    await fs.writeFile(file, pristine);
    assert.equal((await verifyStoreFile(file)).verifiedBy, 'checksum');
    assert.equal(
      (await verifyStoreFile(file, undefined, { full: true })).verifiedBy,
      'quick_check',
      'store check --full always runs quick_check',
    );
  });

  it('a mismatch says "changed outside ixhaus-admin, or damaged" and how to accept a file replaced on purpose', async () => {
    const file = path.join(dir, 'm.sqlite');
    await savedStore(file);
    const other = path.join(dir, 'other.sqlite');
    await savedStore(other);
    const replacement = await Store.open(other);
    replacement.run("INSERT INTO meta (key, value) VALUES ('other', 'file')");
    await replacement.close();
    await fs.copyFile(other, file); // replaced by hand, without its checksum file
    await assert.rejects(
      Store.open(file),
      (error: Error) =>
        error instanceof StoreChecksumError &&
        /changed outside ixhaus-admin, or damaged/.test(error.message) &&
        error.message.includes(`delete ${file}.sum`),
    );
    await fs.rm(checksumPathOf(file));
    const accepted = await Store.open(file);
    assert.equal(
      accepted.scalar("SELECT value FROM meta WHERE key = 'other'"),
      'file',
      'without a checksum file: full quick_check, then opened',
    );
    accepted.run("INSERT INTO meta (key, value) VALUES ('saved', 'again')");
    await accepted.close();
    assert.equal((await verifyStoreFile(file)).verifiedBy, 'checksum', 'the next save wrote a checksum file');
  });

  it('every crash state of a save leaves the file matching its checksum file (store and .bak)', async () => {
    const file = path.join(dir, 'crash.sqlite');
    await savedStore(file);
    const current = await fs.readFile(file);
    const sums = await readChecksumFile(file);
    assert.equal(sums.kind, 'entries');
    const entries = sums.kind === 'entries' ? sums.entries : [];
    // crash after the checksum file was replaced, before the store was renamed: the old store still opens
    const next = checksumOf(Buffer.concat([current, Buffer.alloc(4096)]));
    await recordBeforeReplace(file, next, entries);
    assert.equal((await verifyStoreFile(file)).verifiedBy, 'checksum');
    assert.equal((await verifyStoreFile(file)).backupFile, `${file}.bak`, 'and its .bak too');
    // a damaged checksum file is refused like a damaged store (nothing guessed)
    await fs.writeFile(checksumPathOf(file), formatChecksums(entries).replace('crc32', 'crc33'));
    await assert.rejects(verifyStoreFile(file), StoreChecksumError);
  });

  it('a store without a checksum file (older versions) gets the full quick_check; damage is still refused', async () => {
    const file = path.join(dir, 'old.sqlite');
    await savedStore(file);
    await fs.rm(checksumPathOf(file));
    assert.equal((await verifyStoreFile(file)).verifiedBy, 'quick_check');
    const bytes = await fs.readFile(file);
    bytes.fill(0x5a, 4096 * 3, 4096 * 3 + 2000);
    await fs.writeFile(file, bytes);
    await assert.rejects(Store.open(file), StoreCorruptError);
  });
});
