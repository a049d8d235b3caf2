/**
 * "Verantwortlichen ändern" — apply, undo and history (product.md §6, domain.md §4, issue 8 §1, §3).
 * Apply runs in one transaction with a batch id and one audit row per changed assignment; undo restores only the
 * assignments that still hold the transferred user and reports the others.
 */
import { randomBytes } from 'node:crypto';
import { IxError, msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import type { Actor } from '../access/rights';
import { insertMatchingItems, resolveTransferScope } from './transferPlanner';
import type { TransferCount } from './transferPlanner';
import { MODULE_NAME, normalizeRequest, requireTransferRight } from './transferRequest';
import type { TransferModule, TransferRequest, TransferRole } from './transferRequest';

/** The resource transfers and undos serialise on ({@link AsyncTransaction.lock}). */
const TRANSFER_LOCK = 'responsibilities';

// ---------------------------------------------------------------- errors

/** From and to are the same user. */
export class SameUserError extends IxError {
  constructor(login: string) {
    super(
      'E_TRANSFER_SAME_USER',
      msg('The previous and the new responsible user are both {0}. Choose a different new user.'),
      [login],
    );
  }
}

/** The new user is deactivated. */
export class TargetInactiveError extends IxError {
  constructor(login: string) {
    super(
      'E_TRANSFER_TARGET_INACTIVE',
      msg('{0} is deactivated and cannot take over responsibilities. Choose an active user or reactivate {0} first.'),
      [login],
    );
  }
}

/** The request matches no assignment. */
export class NothingToTransferError extends IxError {
  constructor(login: string) {
    super(
      'E_TRANSFER_NOTHING',
      msg(
        'Nothing to transfer: {0} holds no assignment in the chosen objects, modules and roles. Nothing was changed.',
      ),
      [login],
    );
  }
}

/** The assignments changed between preview and apply. */
export class PlanChangedError extends IxError {
  constructor(previewTotal: number, nowTotal: number) {
    super(
      'E_TRANSFER_CHANGED',
      msg(
        'The assignments changed since the preview ({0} then, {1} now). Nothing was changed; preview again and check the new result.',
      ),
      [previewTotal, nowTotal],
    );
  }
}

/** No batch with this id. */
export class UnknownBatchError extends IxError {
  constructor(batchId: string) {
    super(
      'E_TRANSFER_UNKNOWN_BATCH',
      msg(
        'There is no transfer batch "{0}". List the batches with "responsible history" or in the history of Verantwortlichen ändern.',
      ),
      [batchId],
    );
  }
}

/** The batch was already undone. */
export class BatchAlreadyUndoneError extends IxError {
  constructor(batchId: string, at: string) {
    super(
      'E_TRANSFER_ALREADY_UNDONE',
      msg('The transfer batch {0} was already undone at {1}; a batch is undone only once. Nothing was changed.'),
      [batchId, at],
    );
  }
}

// ---------------------------------------------------------------- apply

/** Result of {@link applyTransfer}. */
export interface TransferResult {
  readonly batchId: string;
  /** ISO-8601 UTC */
  readonly at: string;
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly counts: readonly TransferCount[];
}

function newBatchId(now: Date): string {
  // readable and sortable: date, time, 4 random hex digits (unique per store thanks to the PK check below)
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Applies a previewed transfer in one transaction (product.md §6): re-resolves the request, refuses when it is
 * blocked (same user, target deactivated, nothing matches) or when the matching assignments differ from the
 * preview (`fingerprint` of {@link planTransfer}); else moves every matching assignment to the new user, records
 * the batch and its items, and writes one `audit_log` row per changed assignment with the batch id. All or nothing.
 * The caller saves the store.
 * @param fingerprint the plan's fingerprint (the preview the user confirmed)
 * @param previewTotal the plan's total (only for the message when it changed)
 * @throws everything {@link planTransfer} throws; SameUserError, TargetInactiveError, NothingToTransferError,
 *         PlanChangedError; StoreReadOnlyError
 */
export async function applyTransfer(
  store: AsyncStore,
  actor: Actor | undefined,
  input: TransferRequest,
  fingerprint: string,
  previewTotal: number,
  now: Date = new Date(),
): Promise<TransferResult> {
  const admin = await requireTransferRight(store, actor, now);
  const request = normalizeRequest(input);
  return await store.transaction(async (tx): Promise<TransferResult> => {
    // two admins applying at once: the second waits here and then matches what the first committed (issue 19)
    await tx.lock(TRANSFER_LOCK);
    const scope = await resolveTransferScope(tx, request, now);
    if (scope.from.id === scope.to.id) throw new SameUserError(scope.to.login);
    if (!scope.to.active) throw new TargetInactiveError(scope.to.login);
    const at = now.toISOString();
    let batchId = newBatchId(now);
    while ((await scalar(tx, 'SELECT 1 FROM responsibility_batches WHERE id = ?', [batchId])) !== undefined)
      batchId = newBatchId(now);
    // total and counts are set below, once the re-check has passed (a refusal rolls all of this back)
    await tx.run(
      'INSERT INTO responsibility_batches (id, at, actor_id, from_user_id, to_user_id, request_json, counts_json, total) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [batchId, at, admin.id, scope.from.id, scope.to.id, JSON.stringify(request), '[]', 0],
    );
    // the re-check and the undo list in one pass: the items of what matches now, compared with the preview —
    // instead of a SELECT of the ids and then an INSERT looking each of them up again (half the apply on PostgreSQL)
    const {
      ids,
      perModuleRole,
      fingerprint: current,
    } = await insertMatchingItems(tx, store.backend, request, scope, batchId);
    if (current !== fingerprint) throw new PlanChangedError(previewTotal, ids.length);
    if (ids.length === 0) throw new NothingToTransferError(scope.from.login);
    // only rows that still hold the previous user move: on PostgreSQL another writer (an import, a user edit) may
    // have changed or deleted one since the re-check above; this UPDATE locks the rows it changes (and re-reads a
    // row changed meanwhile), so the count proves that exactly the previewed set moved, else everything rolls back
    const { changes } = await tx.run(
      'UPDATE responsibilities SET user_id = ? WHERE id IN (SELECT assignment_id FROM responsibility_batch_items WHERE batch_id = ?) AND user_id = ?',
      [scope.to.id, batchId, scope.from.id],
    );
    if (changes !== ids.length) throw new PlanChangedError(previewTotal, changes);
    await tx.run(
      `INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value, batch_id)
       SELECT ?, ?, 'responsible.transfer', 'responsibility', i.module || ':' || CAST(o.object_no AS TEXT) || ':' || coalesce(CAST(i.record_id AS TEXT), '-') || ':' || i.role, ?, ?, i.batch_id
       FROM responsibility_batch_items i JOIN objects o ON o.id = i.object_id WHERE i.batch_id = ?`,
      [at, admin.id, scope.from.login, scope.to.login, batchId],
    );
    // the counts of the ids that moved (all of them, checked above), zeros included, as the preview lists them
    const counts = request.modules.flatMap((module) =>
      request.roles.map((role) => ({ module, role, count: perModuleRole.get(`${module}/${role}`) ?? 0 })),
    );
    await tx.run('UPDATE responsibility_batches SET counts_json = ?, total = ? WHERE id = ?', [
      JSON.stringify(counts),
      ids.length,
      batchId,
    ]);
    return { batchId, at, from: scope.from.login, to: scope.to.login, total: ids.length, counts };
  });
}

// ---------------------------------------------------------------- undo

/** An assignment that undo left alone because it changed after the batch. */
export interface UndoSkipped {
  readonly module: TransferModule;
  readonly role: TransferRole;
  readonly objectNo: number | null;
  readonly recordId: number | null;
  /** login now holding the assignment, or null when the assignment (or its record) was deleted */
  readonly nowHeldBy: string | null;
}

/** Result of {@link undoTransfer}. */
export interface UndoResult {
  readonly batchId: string;
  readonly restored: number;
  readonly skipped: readonly UndoSkipped[];
}

/**
 * Undoes a transfer batch once (product.md §6): in one transaction, every assignment that still holds the user the
 * batch transferred to goes back to its previous user (one `audit_log` row each, action `responsible.undo`, same
 * batch id); assignments changed or deleted since are left alone and reported. The caller saves the store.
 * @throws PermissionError, KomfortpaketMissingError, UnknownBatchError, BatchAlreadyUndoneError, StoreReadOnlyError
 */
export async function undoTransfer(
  store: AsyncStore,
  actor: Actor | undefined,
  batchId: string,
  now: Date = new Date(),
): Promise<UndoResult> {
  const admin = await requireTransferRight(store, actor, now);
  const id = batchId.trim();
  return await store.transaction(async (tx): Promise<UndoResult> => {
    await tx.lock(TRANSFER_LOCK);
    const batch = await tx.get<{ id: string; undone_at: string | null }>(
      'SELECT id, undone_at FROM responsibility_batches WHERE id = ?',
      [id],
    );
    if (!batch) throw new UnknownBatchError(id);
    if (batch.undone_at !== null) throw new BatchAlreadyUndoneError(id, batch.undone_at);
    const skipped = (
      await tx.query<{
        module: string;
        role: string;
        object_no: number | null;
        record_id: number | null;
        now_login: string | null;
      }>(
        `SELECT i.module, i.role, o.object_no, i.record_id, u.login AS now_login
         FROM responsibility_batch_items i
         LEFT JOIN responsibilities r ON r.id = i.assignment_id
         LEFT JOIN objects o ON o.id = i.object_id
         LEFT JOIN users u ON u.id = r.user_id
         WHERE i.batch_id = ? AND (r.id IS NULL OR r.user_id <> i.new_user_id)
         ORDER BY o.object_no, i.module, i.record_id, i.role`,
        [id],
      )
    ).map((r) => ({
      module: r.module as TransferModule,
      role: r.role as TransferRole,
      objectNo: r.object_no,
      recordId: r.record_id,
      nowHeldBy: r.now_login,
    }));
    const at = now.toISOString();
    // audit first (it needs the pre-undo state to know which rows are restored), then the set-based update
    await tx.run(
      `INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value, batch_id)
       SELECT ?, ?, 'responsible.undo', 'responsibility', i.module || ':' || CAST(o.object_no AS TEXT) || ':' || coalesce(CAST(i.record_id AS TEXT), '-') || ':' || i.role, nu.login, ou.login, i.batch_id
       FROM responsibility_batch_items i
       JOIN responsibilities r ON r.id = i.assignment_id AND r.user_id = i.new_user_id
       JOIN objects o ON o.id = i.object_id
       JOIN users nu ON nu.id = i.new_user_id
       JOIN users ou ON ou.id = i.old_user_id
       WHERE i.batch_id = ?`,
      [at, admin.id, id],
    );
    // UPDATE … FROM (SQLite ≥ 3.33, PostgreSQL): one join instead of three correlated subqueries per row, which
    // PostgreSQL ran as 300,000 index probes for a 100,000-row batch
    const { changes: restored } = await tx.run(
      `UPDATE responsibilities SET user_id = i.old_user_id
       FROM responsibility_batch_items i
       WHERE i.batch_id = ? AND i.assignment_id = responsibilities.id AND responsibilities.user_id = i.new_user_id`,
      [id],
    );
    await tx.run(
      'UPDATE responsibility_batches SET undone_at = ?, undone_by = ?, undo_restored = ?, undo_skipped = ? WHERE id = ?',
      [at, admin.id, restored, skipped.length, id],
    );
    return { batchId: id, restored, skipped };
  });
}

// ---------------------------------------------------------------- history

/** One transfer batch as the history lists it (issue 8 §3). */
export interface TransferBatchSummary {
  readonly batchId: string;
  /** ISO-8601 UTC */
  readonly at: string;
  /** login of the admin who ran it */
  readonly by: string | null;
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly counts: readonly TransferCount[];
  readonly request: TransferRequest;
  /** set when undone */
  readonly undoneAt: string | null;
  readonly undoneBy: string | null;
  readonly undoRestored: number | null;
  readonly undoSkipped: number | null;
}

/**
 * Lists transfer batches, newest first.
 * @param limit at most this many (default 200)
 * @throws PermissionError, KomfortpaketMissingError
 */
export async function transferHistory(
  store: AsyncQueryable,
  actor: Actor | undefined,
  limit = 200,
  now: Date = new Date(),
): Promise<TransferBatchSummary[]> {
  await requireTransferRight(store, actor, now);
  return (
    await store.query<{
      id: string;
      at: string;
      by_login: string | null;
      from_login: string;
      to_login: string;
      total: number;
      counts_json: string;
      request_json: string;
      undone_at: string | null;
      undone_by: string | null;
      undo_restored: number | null;
      undo_skipped: number | null;
    }>(
      `SELECT b.id, b.at, a.login AS by_login, f.login AS from_login, t.login AS to_login, b.total, b.counts_json, b.request_json,
              b.undone_at, ub.login AS undone_by, b.undo_restored, b.undo_skipped
       FROM responsibility_batches b
       JOIN users f ON f.id = b.from_user_id
       JOIN users t ON t.id = b.to_user_id
       LEFT JOIN users a ON a.id = b.actor_id
       LEFT JOIN users ub ON ub.id = b.undone_by
       ORDER BY b.at DESC, b.id DESC LIMIT ?`,
      [Math.max(1, Math.floor(limit))],
    )
  ).map((r) => ({
    batchId: r.id,
    at: r.at,
    by: r.by_login,
    from: r.from_login,
    to: r.to_login,
    total: r.total,
    counts: JSON.parse(r.counts_json) as TransferCount[],
    request: JSON.parse(r.request_json) as TransferRequest,
    undoneAt: r.undone_at,
    undoneBy: r.undone_by,
    undoRestored: r.undo_restored,
    undoSkipped: r.undo_skipped,
  }));
}

/** "Objekte: 3 responsible, 1 deputy; Meldungen: 5 responsible" — a one-line summary of counts (CLI, history). */
export function describeCounts(counts: readonly TransferCount[]): string {
  const byModule = new Map<TransferModule, string[]>();
  for (const c of counts) {
    if (c.count === 0) continue;
    const list = byModule.get(c.module) ?? [];
    list.push(`${c.count} ${c.role}`);
    byModule.set(c.module, list);
  }
  return [...byModule].map(([m, parts]) => `${MODULE_NAME[m]}: ${parts.join(', ')}`).join('; ') || 'nothing';
}
