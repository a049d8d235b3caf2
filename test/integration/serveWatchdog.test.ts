/**
 * `serve` watching itself (issue 21 "Operations", found in the new-user trial): when its own store becomes unusable
 * the service alerts every channel once per outage, and once when the store is back — the built dist/cli.js as a
 * separate process, a JSON webhook peer on 127.0.0.1, a file store that is moved away and back (as a lost mount
 * would). The rules themselves (threshold, once per outage) are unit-tested on StoreWatchdog.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StoreWatchdog } from '../../src/core/alerts/storeWatchdog';
import { smallDemoStoreFile, tempDir } from '../helpers';
import { WEBHOOK_SIGNATURE, startWebhookPeer } from '../peers/webhookPeer';
import type { WebhookPeer } from '../peers/webhookPeer';

const cli = path.join(__dirname, '../../dist/cli.js');

describe('StoreWatchdog: the monitor alerts about its own store', () => {
  const t0 = new Date('2026-12-03T15:00:00Z');
  const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);

  it('alerts once per outage after the threshold, and "back" only after an outage alert', () => {
    const dog = new StoreWatchdog('/srv/ixhaus/produktion.sqlite', 15 * 60_000);
    assert.equal(dog.failed(at(0), 'refused'), undefined);
    assert.equal(dog.failed(at(14), 'refused'), undefined, 'not before 15 minutes');
    const down = dog.failed(at(15), 'refused the connection');
    assert.equal(down?.kind, 'monitor');
    assert.equal(down?.subject, 'iX-Haus Überwachung: Datenbank nicht erreichbar');
    assert.match(down?.text ?? '', /seit 03\.12\.2026 16:00 Uhr nicht nutzen .*\nGrund: refused the connection/);
    assert.equal(dog.failed(at(20), 'refused'), undefined, 'once per outage');
    const back = dog.succeeded(at(31));
    assert.equal(back?.subject, 'iX-Haus Überwachung: Datenbank wieder erreichbar');
    assert.match(back?.text ?? '', /nach etwa 31 Minuten/);
    assert.notEqual(back?.key, down?.key);
    assert.equal(dog.succeeded(at(32)), undefined);
    // a short blip (back before the threshold) says nothing at all
    assert.equal(dog.failed(at(40), 'restart'), undefined);
    assert.equal(dog.succeeded(at(42)), undefined);
    // the next outage is a new incident
    assert.equal(dog.failed(at(50), 'gone'), undefined);
    assert.notEqual(dog.failed(at(65), 'gone')?.key, down?.key);
  });
});

describe('CLI: serve alerts when its own store is unusable, and when it is back (built dist/cli.js)', function () {
  this.timeout(120_000);
  let dir: string;
  let cleanup: () => Promise<void>;
  let json: WebhookPeer;

  before(async () => {
    ({ dir, cleanup } = await tempDir('ixhaus-serve-watchdog-'));
    json = await startWebhookPeer();
  });
  after(async () => {
    await json.close();
    await cleanup();
  });

  /** Resolves when `check` holds, polling every 50 ms, or rejects after `ms` naming `what`. */
  const until = async (check: () => boolean, ms: number, what: string): Promise<void> => {
    for (const started = Date.now(); !check(); await new Promise((r) => setTimeout(r, 50)))
      if (Date.now() - started > ms) throw new Error(`${what}: not within ${ms} ms`);
  };

  it('a store moved away: one "nicht erreichbar" to the webhook, one "wieder erreichbar" when it is back', async () => {
    const file = await smallDemoStoreFile(path.join(dir, 'produktion.sqlite'));
    const child = spawn(
      process.execPath,
      [
        cli,
        'serve',
        '--store',
        file,
        '--every-seconds',
        '1',
        '--alert-store-down-after',
        '0',
        '--webhook',
        'json=HOOK',
      ],
      { env: { ...process.env, HOOK: json.url('/hooks/ixhaus') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const monitorPosts = (): Array<{ subject: string; text: string; incident: string }> =>
      json.requests
        .map((r) => r.body as { kind: string; subject: string; text: string; incident: string })
        .filter((b) => b.kind === 'monitor');
    try {
      await until(() => out.includes('"event":"cycle"'), 30_000, 'a first cycle');
      await new Promise((r) => setTimeout(r, 300)); // the file is closed right after the cycle
      fs.renameSync(file, `${file}.away`);
      await until(() => monitorPosts().length === 1, 20_000, 'the outage alert');
      assert.equal(monitorPosts()[0]?.subject, 'iX-Haus Überwachung: Datenbank nicht erreichbar');
      assert.match(monitorPosts()[0]?.text ?? '', /keine Prüfungen ausführen/);
      // further failed cycles of the same outage send nothing more
      const failedBefore = out.split('"event":"cycle-failed"').length;
      await until(
        () => out.split('"event":"cycle-failed"').length >= failedBefore + 2,
        20_000,
        'two more failed cycles',
      );
      assert.equal(monitorPosts().length, 1);
      fs.renameSync(`${file}.away`, file);
      await until(() => monitorPosts().length === 2, 20_000, 'the "back" alert');
      assert.equal(monitorPosts()[1]?.subject, 'iX-Haus Überwachung: Datenbank wieder erreichbar');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
    assert.ok(!out.includes(WEBHOOK_SIGNATURE) && !out.includes('/hooks/ixhaus'), 'the URL is never logged');
  });
});
