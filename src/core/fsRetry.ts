/**
 * Renames that survive the brief locks of Windows virus scanners and indexers (issue 17 §9): on Windows a rename
 * fails for a moment with EPERM, EBUSY or EACCES while another process has the file open without
 * FILE_SHARE_DELETE. Such a failure is retried a few times within a deadline (about one second); any other
 * error, or the same error past the deadline, is thrown at once — never waited on without bound.
 */
import * as fs from 'node:fs/promises';

/** Error codes that mean "held open for a moment by another process" on Windows. */
export const TRANSIENT_RENAME_CODES: ReadonlySet<string> = new Set(['EPERM', 'EBUSY', 'EACCES']);

/** Options of {@link renameWithRetry}. */
export interface RenameRetryOptions {
  /** total time to keep retrying, in ms (default 1000) */
  readonly deadlineMs?: number;
  /** first pause between attempts, in ms; doubled each time up to 250 (default 20) */
  readonly initialDelayMs?: number;
  /** the rename to use (default `fs.promises.rename`); tests inject a failing one at this edge */
  readonly rename?: (from: string, to: string) => Promise<void>;
  /** called before each retry (logging, tests) with the attempt number (from 1) and the error */
  readonly onRetry?: (attempt: number, error: NodeJS.ErrnoException) => void;
}

/** A rename that kept failing with a transient code until the deadline. `cause` is the last original error. */
export class RenameRetryError extends Error {
  readonly code: string;
  readonly attempts: number;
  constructor(from: string, to: string, error: NodeJS.ErrnoException, attempts: number, elapsedMs: number) {
    super(
      `Cannot rename ${from} to ${to}: ${error.code} after ${attempts} attempts in ${elapsedMs} ms — another program (often a virus scanner or a backup/sync tool) keeps the file open. Close it or exclude the folder from scanning, then try again. (${error.message})`,
      { cause: error },
    );
    this.name = 'RenameRetryError';
    this.code = error.code ?? 'EPERM';
    this.attempts = attempts;
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Renames `from` to `to` (same semantics as `fs.rename`: replaces `to`), retrying EPERM/EBUSY/EACCES until
 * `deadlineMs` has passed.
 * @throws the original error at once for any other code (ENOENT, EXDEV, ENOSPC …); a {@link RenameRetryError}
 *   (with `code` of the original and the original as `cause`) when a transient code persists past the deadline
 */
export async function renameWithRetry(from: string, to: string, options: RenameRetryOptions = {}): Promise<void> {
  const rename = options.rename ?? fs.rename;
  const deadline = Date.now() + (options.deadlineMs ?? 1000);
  const started = Date.now();
  let delay = options.initialDelayMs ?? 20;
  for (let attempt = 1; ; attempt++) {
    try {
      await rename(from, to);
      return;
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (!e.code || !TRANSIENT_RENAME_CODES.has(e.code)) throw e;
      const left = deadline - Date.now();
      if (left <= 0) throw new RenameRetryError(from, to, e, attempt, Date.now() - started);
      options.onRetry?.(attempt, e);
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, 250);
    }
  }
}
