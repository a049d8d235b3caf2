/**
 * CTI benchmarks (issue 9 "Done when"): caller lookup latency p50/p99 on a store of N parties (raw numbers as a
 * PBX delivers them, so normalisation is included), and the time from a RING line written to a real TCP socket
 * on 127.0.0.1 to the session's alert (lookup done; the status bar renders from that alert).
 */
import * as net from 'node:net';
import { lookupCaller, readCtiSettings } from '../src/core/cti/callerLookup';
import { CtiSession } from '../src/core/cti/ctiSession';
import { FritzboxCallMonitor } from '../src/core/cti/fritzboxCallMonitor';
import { silentLogger } from '../src/core/log';
import { CtiSimulator } from '../src/core/cti/simulator';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../src/core/store/database';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';

/** Sorted-array percentile. */
function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Lookup latency in µs over `n` callers: 80 % known numbers (as stored, any spelling), 20 % unknown. */
export async function lookupLatency(
  file: string,
  n: number,
): Promise<{ p50: number; p99: number; matched: number; n: number }> {
  const engine = await Store.open(file, { readOnly: true });
  const store = new SqlJsAsyncStore(engine);
  try {
    const settings = await readCtiSettings(store);
    // the callers are picked on the synchronous engine: set-up, not measured
    const maxId = Number(engine.scalar('SELECT max(id) FROM phone_numbers'));
    const callers: string[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 5 === 4)
        callers.push(
          `0${2 + Math.floor(Math.random() * 7)}${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`,
        );
      else
        callers.push(
          String(
            engine.scalar('SELECT raw FROM phone_numbers WHERE id = ?', [1 + Math.floor(Math.random() * maxId)]) ??
              '030123456',
          ),
        );
    }
    const options = { internalMaxDigits: settings.internalMaxDigits, areaCode: settings.areaCode };
    for (const c of callers.slice(0, 2000)) await lookupCaller(store, c, options); // warm-up
    const times: number[] = [];
    let matched = 0;
    for (const c of callers) {
      const t = performance.now();
      const r = await lookupCaller(store, c, options);
      times.push((performance.now() - t) * 1000);
      if (r.outcome === 'matched') matched++;
    }
    times.sort((a, b) => a - b);
    return { p50: pct(times, 50), p99: pct(times, 99), matched, n };
  } finally {
    await store.close();
  }
}

/** RING line on the socket → alert emitted, in ms, over `calls` calls (one at a time). */
export async function ringToAlert(
  file: string,
  calls: number,
): Promise<{ p50: number; p95: number; max: number; calls: number }> {
  const store = new SqlJsAsyncStore(await Store.open(file, { readOnly: true }));
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const box = new FritzboxCallMonitor({ host: '127.0.0.1', port, log: silentLogger });
  // the processing latency; the blocked-call hold (ixhaus.cti.blockedCallMs, default 500 ms) comes on top of it
  const session = await CtiSession.create(store, box, {
    log: silentLogger,
    journal: false,
    line: 'SIP0',
    blockedCallMs: 0,
  });
  const raws = (
    await store.query<{ raw: string }>('SELECT raw FROM phone_numbers ORDER BY random() LIMIT ?', [calls])
  ).map((r) => r.raw.replace(/[^\d+]/g, '').replace(/^\+/, '00'));
  try {
    await box.connect();
    while (sockets.length === 0) await new Promise((r) => setImmediate(r));
    const socket = sockets[0] as net.Socket;
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const time = new Date(Date.UTC(2026, 10, 30, 1, 0, 0) + i * 1000).toISOString();
      const date = `${time.slice(8, 10)}.${time.slice(5, 7)}.${time.slice(2, 4)} ${time.slice(11, 19)}`;
      const line = `${date};RING;${i % 10};${raws[i % raws.length] ?? '030123456'};453423;SIP0;\r\n`;
      const alerted = new Promise<void>((resolve) => {
        const off = session.onAlert(() => {
          off();
          resolve();
        });
      });
      const t = performance.now();
      socket.write(line);
      await alerted;
      times.push(performance.now() - t);
      socket.write(`${date};DISCONNECT;${i % 10};0;\r\n`);
    }
    times.sort((a, b) => a - b);
    return { p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1] ?? NaN, calls };
  } finally {
    await session.stop();
    await box.disconnect();
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    await store.close();
  }
}

/**
 * Journal writes per call (issue 16): a call rung, answered and hung up on the simulator with the journal on — one
 * INSERT (with the caller lookup) and two UPDATEs — on a writable copy of the store, in ms per call. The save to
 * disk is not included (the extension debounces it).
 */
export async function journalWrite(
  file: string,
  calls: number,
): Promise<{ p50: number; p95: number; max: number; calls: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ixhaus-bench-journal-'));
  const copy = path.join(dir, 'store.sqlite');
  fs.copyFileSync(file, copy);
  const store = new SqlJsAsyncStore(await Store.open(copy));
  const sim = new CtiSimulator(['SIM/1']);
  const userId = Number((await store.get("SELECT id FROM users WHERE login = 'admin'"))?.id);
  const session = await CtiSession.create(store, sim, { log: silentLogger, line: 'SIM/1', userId, blockedCallMs: 0 });
  const raws = (
    await store.query<{ raw: string }>('SELECT raw FROM phone_numbers ORDER BY random() LIMIT ?', [calls])
  ).map((r) => r.raw);
  try {
    const times: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      const id = sim.ring(raws[i % raws.length] ?? '030123456');
      sim.answer(id);
      sim.hangUp(id, 60);
      // the session handles events asynchronously: the call is written when its events are settled
      await session.settled();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { p50: pct(times, 50), p95: pct(times, 95), max: times[times.length - 1] ?? NaN, calls };
  } finally {
    await session.stop();
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
