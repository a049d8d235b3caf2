/**
 * Start/stop of a long-lived service, serialised (DESIGN.md §4b, issue 18 §2): every start, stop and restart waits
 * for the one before it, so that two quick restarts never run two instances side by side and a stop never
 * overtakes a start still connecting. Used by the scheduler monitor; suitable for any service with async
 * `start`/`stop` (the CTI session, a watcher).
 */

/** The service's own start and stop; `stop` is called only after a successful `start`. */
export interface LifecycleHooks {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/**
 * Runs steps one after another: each waits for every step queued before it, and a failed step does not block the
 * ones after it (its caller sees the failure through the returned promise). The base of {@link SerialLifecycle};
 * services whose start decides itself whether to run (the CTI session and its gate) queue their own steps.
 */
export class SerialQueue {
  private chain: Promise<unknown> = Promise.resolve();

  /** Queues `step`; resolves or rejects with its outcome once every earlier step has settled. */
  run<T>(step: () => Promise<T> | T): Promise<T> {
    const result = this.chain.then(step);
    this.chain = result.catch(() => undefined);
    return result;
  }
}

/** Serialised lifecycle around {@link LifecycleHooks} (see the file comment). */
export class SerialLifecycle {
  private readonly queue = new SerialQueue();
  private running = false;

  constructor(private readonly hooks: LifecycleHooks) {}

  /** True between a successful start and the next stop. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Starts unless running (waits for any start/stop before it). @throws what the hook's start threw */
  start(): Promise<void> {
    return this.enqueue(async () => {
      if (this.running) return;
      await this.hooks.start();
      this.running = true;
    });
  }

  /** Stops if running (waits for any start/stop before it). @throws what the hook's stop threw (it counts as stopped) */
  stop(): Promise<void> {
    return this.enqueue(() => this.stopNow());
  }

  /** Stops (if running), then starts — one step in the queue, so a restart while one runs waits for it. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopNow();
      await this.hooks.start();
      this.running = true;
    });
  }

  private async stopNow(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.hooks.stop();
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    return this.queue.run(step);
  }
}
