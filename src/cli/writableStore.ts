import { Store } from '../core/store/database';
import { StoreLockedError } from '../core/store/errors';

/** How long a changing CLI verb waits for another writer by default (ms). */
export const DEFAULT_LOCK_WAIT_MS = 30_000;

/**
 * The lock wait of changing verbs: `IXHAUS_LOCK_WAIT_SECONDS` (0 … 3600) or {@link DEFAULT_LOCK_WAIT_MS}.
 * @throws Error naming the variable when it is not a whole number of seconds in range
 */
export function lockWaitMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.IXHAUS_LOCK_WAIT_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_LOCK_WAIT_MS;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) > 3600)
    throw new Error(`IXHAUS_LOCK_WAIT_SECONDS must be a whole number of seconds from 0 to 3600, not "${raw}"`);
  return Number(raw) * 1000;
}

/**
 * Opens a store for a changing CLI verb: takes the write lock before the file is read, waiting (with a deadline,
 * {@link lockWaitMs}) while another window or program changes it, so that two scripts started together run one
 * after the other instead of one failing.
 * @throws StoreLockedError naming the holder when the lock is still held after the wait (nothing was changed);
 *         the errors of {@link Store.open}
 */
export async function openForWriting(file: string): Promise<Store> {
  const store = await Store.open(file, { waitForLockMs: lockWaitMs() });
  if (store.readOnly) {
    const holder = store.lockHolder ?? 'another window or program';
    await store.close({ save: false });
    throw new StoreLockedError(store.file ?? file, holder);
  }
  return store;
}
