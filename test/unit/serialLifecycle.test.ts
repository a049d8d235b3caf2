import { strict as assert } from 'node:assert';
import { SerialLifecycle, SerialQueue } from '../../src/core/serialLifecycle';

/** A service whose start and stop take time, recording how many instances run at once. */
function slowService(ms: number) {
  const events: string[] = [];
  let live = 0;
  let maxLive = 0;
  let failNextStart = false;
  const hooks = {
    async start() {
      events.push('start:begin');
      await new Promise((r) => setTimeout(r, ms));
      if (failNextStart) {
        failNextStart = false;
        events.push('start:failed');
        throw new Error('connect refused');
      }
      live += 1;
      maxLive = Math.max(maxLive, live);
      events.push('start:end');
    },
    async stop() {
      events.push('stop:begin');
      await new Promise((r) => setTimeout(r, ms));
      live -= 1;
      events.push('stop:end');
    },
  };
  return { hooks, events, live: () => live, maxLive: () => maxLive, failNext: () => (failNextStart = true) };
}

describe('serial lifecycle of long-lived services', () => {
  it('two restarts in quick succession never run two instances; each waits for the one before', async () => {
    const s = slowService(20);
    const life = new SerialLifecycle(s.hooks);
    await Promise.all([life.start(), life.restart(), life.restart(), life.start()]);
    assert.equal(s.maxLive(), 1);
    assert.equal(s.live(), 1);
    assert.deepEqual(s.events, [
      'start:begin',
      'start:end',
      'stop:begin',
      'stop:end',
      'start:begin',
      'start:end',
      'stop:begin',
      'stop:end',
      'start:begin',
      'start:end',
    ]);
    await life.stop();
    await life.stop();
    assert.equal(s.live(), 0);
    assert.equal(life.isRunning, false);
  });

  it('a stop issued during a start waits for it; a failed start does not block what follows', async () => {
    const s = slowService(20);
    const life = new SerialLifecycle(s.hooks);
    const started = life.start();
    const stopped = life.stop();
    await Promise.all([started, stopped]);
    assert.deepEqual(s.events, ['start:begin', 'start:end', 'stop:begin', 'stop:end']);
    s.failNext();
    await assert.rejects(life.start(), /connect refused/);
    assert.equal(life.isRunning, false);
    await life.start();
    assert.equal(life.isRunning, true);
    assert.equal(s.live(), 1);
    await life.stop();
  });

  it('SerialQueue: steps run in the order queued, each after the one before has settled, a failure blocks none', async () => {
    const queue = new SerialQueue();
    const order: string[] = [];
    const slow = queue.run(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push('slow');
      return 1;
    });
    const failing = queue.run(() => {
      order.push('failing');
      throw new Error('step failed');
    });
    const fast = queue.run(() => {
      order.push('fast');
      return 3;
    });
    assert.equal(await slow, 1);
    await assert.rejects(failing, /step failed/);
    assert.equal(await fast, 3);
    assert.deepEqual(order, ['slow', 'failing', 'fast']);
  });
});
