/**
 * Waits for what the extension does asynchronously (store changes, restarts) in in-host tests: polls `condition`
 * every 20 ms and fails after `ms` (default 10 s) naming `what`, so a test never waits without a deadline.
 */
export async function until(condition: () => boolean, ms = 10_000, what = 'the extension'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
