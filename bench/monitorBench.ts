/**
 * Memory of the monitor over many cycles in one process (issue 21 "memory stays flat over 1,000 cycles (measure
 * it)"): 1,000 `serve --once`-equivalent cycles ({@link runMonitorCycle}) on a file-format store in memory, with a
 * Teams and a JSON channel posting to a real HTTP peer on 127.0.0.1; 5 standing incidents (claimed and sent once,
 * then skipped every cycle) and one new incident every 10th cycle (so the store and the audit grow as in service).
 * Heap is measured after a full GC at cycle 100, 500 and 1,000. Run alone: `npx tsx bench/monitorBench.ts`.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { jsonChannel, teamsChannel } from '../src/core/alerts/channels';
import type { AlertIncident } from '../src/core/alerts/incident';
import { runMonitorCycle } from '../src/core/alerts/monitorCycle';
import { Store } from '../src/core/store/database';
import { SqlJsAsyncStore } from '../src/core/store/sqlJsAsyncStore';
import { startWebhookPeer } from '../test/peers/webhookPeer';

/** The measured heap after GC (MB) at the given cycles, the RSS at the end, and the deliveries made. */
export interface MonitorMemory {
  readonly heapMbAt: Readonly<Record<number, number>>;
  /** V8 external memory (the sql.js WebAssembly heap lives there) after GC, MB */
  readonly externalMbAt: Readonly<Record<number, number>>;
  readonly rssMb: number;
  readonly delivered: number;
  readonly msPerCycle: number;
}

function fullGc(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
}

function incident(n: number): AlertIncident {
  return {
    key: `bench:${n}`,
    kind: 'test',
    subject: `Bench-Vorfall ${n}`,
    text: 'Messung des Speichers über viele Zyklen.',
    at: '2026-11-02T01:00:00.000Z',
  };
}

/** Runs `cycles` cycles and measures. */
export async function monitorMemory(cycles = 1000): Promise<MonitorMemory> {
  const peer = await startWebhookPeer();
  const store = new SqlJsAsyncStore(await Store.inMemory());
  const channels = [teamsChannel({ url: peer.url() }), jsonChannel({ url: peer.url('/json') })];
  const standing = [1, 2, 3, 4, 5].map(incident);
  const heapMbAt: Record<number, number> = {};
  const externalMbAt: Record<number, number> = {};
  let delivered = 0;
  const started = Date.now();
  try {
    for (let c = 1; c <= cycles; c++) {
      const now = new Date(Date.UTC(2026, 10, 2) + c * 300_000);
      const fresh = c % 10 === 0 ? [incident(1000 + c)] : [];
      const outcome = await runMonitorCycle(
        store,
        [{ name: 'bench', run: async () => [...standing, ...fresh] }],
        channels,
        { owner: 'bench', now },
      );
      delivered += outcome.delivered.length;
      peer.requests.length = 0; // the peer's record is the test's memory, not the monitor's
      if (c === 100 || c === 500 || c === cycles) {
        fullGc();
        heapMbAt[c] = process.memoryUsage().heapUsed / 1048576;
        externalMbAt[c] = process.memoryUsage().external / 1048576;
      }
    }
    return {
      heapMbAt,
      externalMbAt,
      rssMb: process.memoryUsage().rss / 1048576,
      delivered,
      msPerCycle: (Date.now() - started) / cycles,
    };
  } finally {
    await store.close();
    await peer.close();
  }
}

if (require.main === module) {
  void monitorMemory().then((m) => console.log(JSON.stringify(m, null, 2)));
}
