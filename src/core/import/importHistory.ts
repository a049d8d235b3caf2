/**
 * The list of applied import batches (issue 22 "as one batch that is audited and can be undone like a transfer
 * batch"): what "Undo Import…" in VS Code offers, newest first. Reads `import_batches` (schema v11,
 * 011_import_batches.ts) only; writing and undoing are in importBatch.ts. Dialect-neutral SQL (asyncStore.ts), so
 * it runs on the file store and on PostgreSQL alike.
 */
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import type { AsyncQueryable } from '../store/asyncStore';
import type { PlanCounts } from './plan';

/** One applied import batch. Times are ISO-8601 UTC text as stored. */
export interface ImportBatchSummary {
  readonly batchId: string;
  readonly at: string;
  /** login of the administrator who imported (null when that user row is gone) */
  readonly by: string | null;
  /** the kind imported (`persons`, `users` …) */
  readonly kind: string;
  /** the file name recorded with the batch (no folder), or null */
  readonly sourceName: string | null;
  /** counts of the plan that was written (new, changed, unchanged, invalid rows of the file) */
  readonly counts: PlanCounts;
  /** records inserted or changed by the batch */
  readonly total: number;
  readonly undoneAt: string | null;
  readonly undoneBy: string | null;
  readonly undoRestored: number | null;
  readonly undoSkipped: number | null;
}

function countsOf(json: string): PlanCounts {
  const parsed = JSON.parse(json) as Partial<Record<keyof PlanCounts, unknown>>;
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { new: n(parsed.new), changed: n(parsed.changed), unchanged: n(parsed.unchanged), invalid: n(parsed.invalid) };
}

/**
 * Lists import batches, newest first. Administrators only (like the import itself: the list names files and counts).
 * @param limit at most this many (default 50, at least 1)
 * @param includeUndone false = only batches that can still be undone
 * @throws PermissionError (not an administrator)
 */
export async function listImportBatches(
  store: AsyncQueryable,
  actor: Actor | undefined,
  options: { readonly limit?: number; readonly includeUndone?: boolean } = {},
): Promise<ImportBatchSummary[]> {
  requireAdmin(actor, 'list master data imports');
  const limit = Math.max(1, Math.floor(options.limit ?? 50));
  const rows = await store.query<{
    id: string;
    at: string;
    by_login: string | null;
    kind: string;
    source_name: string | null;
    counts_json: string;
    total: number;
    undone_at: string | null;
    undone_by: string | null;
    undo_restored: number | null;
    undo_skipped: number | null;
  }>(
    `SELECT b.id, b.at, a.login AS by_login, b.kind, b.source_name, b.counts_json, b.total,
            b.undone_at, ub.login AS undone_by, b.undo_restored, b.undo_skipped
     FROM import_batches b
     LEFT JOIN users a ON a.id = b.actor_id
     LEFT JOIN users ub ON ub.id = b.undone_by
     ${options.includeUndone === false ? 'WHERE b.undone_at IS NULL' : ''}
     ORDER BY b.at DESC, b.id DESC LIMIT ?`,
    [limit],
  );
  return rows.map((r) => ({
    batchId: r.id,
    at: r.at,
    by: r.by_login,
    kind: r.kind,
    sourceName: r.source_name,
    counts: countsOf(r.counts_json),
    total: Number(r.total),
    undoneAt: r.undone_at,
    undoneBy: r.undone_by,
    undoRestored: r.undo_restored === null ? null : Number(r.undo_restored),
    undoSkipped: r.undo_skipped === null ? null : Number(r.undo_skipped),
  }));
}
