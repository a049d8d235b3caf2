/**
 * Writing an import and undoing it (issue 22 "Write"): {@link applyImport} upserts the planned rows by their
 * natural key in ONE transaction, writes phone numbers through the CTI index (src/core/cti/phoneIndex.ts) in the
 * same transaction, and records the batch with a before- and after-image per record (schema v11,
 * 011_import_batches.ts) and one `audit_log` row; {@link undoImport} restores a batch once, like the responsibility
 * transfer (src/core/responsibility/transferService.ts): records changed since the import are left alone and
 * reported. Administrators only (checked here). Dialect-neutral SQL (asyncStore.ts).
 */
import { randomBytes } from 'node:crypto';
import { IxError, msg } from '../errors';
import type { Actor } from '../access/rights';
import { requireAdmin } from '../access/rights';
import type { AsyncQueryable, AsyncStore, SqlCell } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { ownAreaCode, writeNewPhoneNumbers } from '../cti/phoneIndex';
import type { PhoneNumberInput } from '../cti/phoneIndex';
import type { ParsedImport } from './importReader';
import { planImport } from './plan';
import type { ImportPlan, PlanCounts } from './plan';
import { ENTITY_SPECS, isRelationKind, keyText, loadEntities, parseState, stateJson } from './planEntities';
import type { EntityKind, EntityState } from './planEntities';
import { insertEntities, updateEntity, writeState } from './writeEntities';
import { isRelationEntity, undoRelation, writeRelations } from './writeRelations';
import type { RelationEntity } from './planRelations';

/** The resource imports and their undos serialise on ({@link AsyncTransaction.lock}). */
const IMPORT_LOCK = 'master-data-import';
/**
 * Records per multi-row statement: the widest (phone_index, up to ~4 index rows of 5 values per number, 4 numbers per
 * party) stays far below the bound-parameter limits of SQLite (32,766) and PostgreSQL (65,535).
 */
const WRITE_CHUNK = 250;

/** The plan has invalid rows and `skipInvalid` was not given: nothing was written. */
export class ImportHasInvalidRowsError extends IxError {
  readonly invalid: number;
  constructor(invalid: number) {
    super(
      'E_IMPORT_INVALID_ROWS',
      invalid === 1
        ? msg(
            'The file has 1 invalid row; nothing was written. Correct it and import again, or import only the valid rows (CLI: --skip-invalid; VS Code: "Skip invalid rows" in the preview).',
          )
        : msg(
            'The file has {0} invalid rows; nothing was written. Correct them and import again, or import only the valid rows (CLI: --skip-invalid; VS Code: "Skip invalid rows" in the preview).',
          ),
      [invalid],
    );
    this.invalid = invalid;
  }
}

/** No import batch with this id. */
export class UnknownImportBatchError extends IxError {
  constructor(batchId: string) {
    super(
      'E_IMPORT_BATCH_UNKNOWN',
      msg('There is no import batch "{0}". The id is printed by "import" when it writes; check it and try again.'),
      [batchId],
    );
  }
}

/** The batch was already undone. */
export class ImportBatchAlreadyUndoneError extends IxError {
  constructor(batchId: string, at: string) {
    super(
      'E_IMPORT_BATCH_UNDONE',
      msg('The import batch {0} was already undone at {1}; a batch is undone only once. Nothing was changed.'),
      [batchId, at],
    );
  }
}

/** Why undo left a record alone, in words (English, as the record keys in the messages). */
export const UNDO_REASON_TEXT: Readonly<Record<UndoSkipped['reason'], string>> = {
  changed: 'changed since the import',
  deleted: 'deleted since the import',
  referenced: 'other records refer to it now',
};

/**
 * Undo would restore nothing: every record of the batch was changed or deleted since, or other records refer to it
 * now (e.g. Meldungen of imported objects). Nothing is changed and the batch stays undoable, so that it can be undone
 * after the later imports that changed or use its records were undone (newest first).
 */
export class ImportUndoNothingRestorableError extends IxError {
  readonly batchId: string;
  readonly skipped: readonly UndoSkipped[];
  constructor(batchId: string, skipped: readonly UndoSkipped[]) {
    const sample = skipped
      .slice(0, 3)
      .map((s) => `${s.entity} ${s.key} (${UNDO_REASON_TEXT[s.reason]})`)
      .join(', ');
    const more = skipped.length > 3 ? ` … +${skipped.length - 3}` : '';
    super(
      'E_IMPORT_UNDO_NOTHING',
      msg(
        'Nothing of import batch {0} can be undone: its records were changed since the import, or other records refer to them now ({1}). Undo the later imports first, newest first (see "import list"), then undo this batch again. Nothing was changed; the batch can still be undone.',
      ),
      [batchId, `${sample}${more}`],
    );
    this.batchId = batchId;
    this.skipped = skipped;
  }
}

/** Options of {@link applyImport}. */
export interface ApplyImportOptions {
  /** write the valid rows although some are invalid (`--skip-invalid`) */
  readonly skipInvalid?: boolean;
  /** the file name, recorded with the batch */
  readonly sourceName?: string;
  readonly now?: Date;
}

/** Result of {@link applyImport}. */
export interface ApplyImportResult {
  /** undefined when nothing had to be written (no batch is recorded then) */
  readonly batchId: string | undefined;
  readonly at: string;
  /** counts of the plan made inside the transaction (what was written) */
  readonly counts: PlanCounts;
  /** phone numbers written, and how many of them could not be read (stored as text, not indexed) */
  readonly phonesWritten: number;
  readonly phonesNotIndexed: number;
}

function newBatchId(now: Date): string {
  // readable and sortable like transfer batches: date, time, 4 random hex digits (unique thanks to the PK check)
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `imp-${stamp}-${randomBytes(2).toString('hex')}`;
}

/**
 * Applies an import: plans `plan.parsed` again inside one transaction (so that the rows written match the store at
 * that moment), refuses while rows are invalid unless `skipInvalid`, inserts new and updates changed records by
 * their natural key, rewrites the phone numbers of the kinds the file gives (with their index rows), adds team
 * memberships, and records the batch (items with before/after images, one `audit_log` row `import.<kind>`). All or
 * nothing. Re-importing the same file writes nothing and records no batch.
 * @throws PermissionError (not an administrator), ImportHasInvalidRowsError, ImportKindNotWritableError, the
 *         store's errors (nothing written)
 */
export async function applyImport(
  store: AsyncStore,
  actor: Actor | undefined,
  plan: ImportPlan,
  options: ApplyImportOptions = {},
): Promise<ApplyImportResult> {
  requireAdmin(actor, 'import master data');
  const now = options.now ?? new Date();
  const at = now.toISOString();
  return store.transaction(async (tx) => {
    await tx.lock(IMPORT_LOCK);
    const fresh = await planImport(tx, actor, plan.parsed);
    if (fresh.counts.invalid > 0 && options.skipInvalid !== true)
      throw new ImportHasInvalidRowsError(fresh.counts.invalid);
    const writes = fresh.rows.filter((r) => r.status === 'new' || r.status === 'changed');
    if (writes.length === 0)
      return { batchId: undefined, at, counts: fresh.counts, phonesWritten: 0, phonesNotIndexed: 0 };

    let batchId = newBatchId(now);
    while ((await scalar(tx, 'SELECT 1 FROM import_batches WHERE id = ?', [batchId])) !== undefined)
      batchId = newBatchId(now);
    await tx.run(
      'INSERT INTO import_batches (id, at, actor_id, kind, source_name, counts_json, total) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [batchId, at, actor.id, fresh.kind, options.sourceName ?? null, JSON.stringify(fresh.counts), writes.length],
    );
    const audit = async (entity: string): Promise<void> => {
      await tx.run(
        'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [
          at,
          actor.id,
          `import.${fresh.kind}`,
          entity,
          options.sourceName ?? null,
          null,
          JSON.stringify(fresh.counts),
          batchId,
        ],
      );
    };
    if (isRelationKind(fresh.kind)) {
      const items = await writeRelations(
        tx,
        writes.flatMap((r) => r.relations ?? []),
      );
      let seq = 0;
      for (let from = 0; from < items.length; from += WRITE_CHUNK) {
        const chunk = items.slice(from, from + WRITE_CHUNK);
        await tx.run(
          `INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          chunk.flatMap((i) => [batchId, ++seq, i.entity, i.entityId, i.key, i.action, i.beforeJson, i.afterJson]),
        );
      }
      await audit(fresh.kind);
      return { batchId, at, counts: fresh.counts, phonesWritten: 0, phonesNotIndexed: 0 };
    }
    const spec = ENTITY_SPECS[fresh.kind];
    const areaCode = await ownAreaCode(tx);
    const unreadable = unreadablePhones(plan.parsed);
    let phonesWritten = 0;
    let phonesNotIndexed = 0;
    let seq = 0;
    for (let from = 0; from < writes.length; from += WRITE_CHUNK) {
      const chunk = writes.slice(from, from + WRITE_CHUNK);
      // new records in multi-row statements (one round trip per table and chunk, which PostgreSQL needs for speed)
      const ids = await insertEntities(
        tx,
        spec,
        chunk.filter((r) => r.status === 'new'),
      );
      const newPhones: PhoneNumberInput[] = [];
      for (const r of chunk)
        if (r.status === 'new') {
          const id = ids.get(keyText(spec, r.key)) as number;
          for (const p of (r.after as EntityState).phones ?? [])
            if (spec.phoneOrigin) newPhones.push({ origin: spec.phoneOrigin, partyId: id, field: p.kind, raw: p.raw });
          if (spec.teamMembership || spec.responsibilities)
            await writeState(tx, spec, id, undefined, r.after as EntityState, areaCode);
        }
      await writeNewPhoneNumbers(tx, newPhones, areaCode);
      const written = newPhones.map((p) => p.raw);
      const items: SqlCell[] = [];
      for (const r of chunk) {
        const after = r.after as EntityState;
        let id: number;
        if (r.status === 'new') id = ids.get(keyText(spec, r.key)) as number;
        else {
          id = r.entityId as number;
          await updateEntity(tx, spec, id, r.before as EntityState, after);
          written.push(...(await writeState(tx, spec, id, r.before, after, areaCode)));
        }
        items.push(
          batchId,
          ++seq,
          spec.table,
          id,
          r.key,
          r.status === 'new' ? 'insert' : 'update',
          r.before ? stateJson(spec, r.before) : null,
          stateJson(spec, after),
        );
      }
      await tx.run(
        `INSERT INTO import_batch_items (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json) VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        items,
      );
      phonesWritten += written.length;
      phonesNotIndexed += written.filter((raw) => unreadable.has(raw)).length;
    }
    await audit(spec.table);
    return { batchId, at, counts: fresh.counts, phonesWritten, phonesNotIndexed };
  });
}

/** Raw texts of phone cells the reader could not read as numbers (they are stored but not indexed). */
function unreadablePhones(parsed: ParsedImport): Set<string> {
  const out = new Set<string>();
  for (const row of parsed.rows) {
    const record = row.record as unknown as Record<string, unknown>;
    for (const value of Object.values(record))
      if (value && typeof value === 'object' && 'raw' in value && 'e164' in value) {
        const cell = value as { raw: string; e164: string | undefined };
        if (cell.e164 === undefined) out.add(cell.raw);
      }
  }
  return out;
}

// ---------------------------------------------------------------- undo

/** A record undo left alone, and why. */
export interface UndoSkipped {
  readonly entity: EntityKind | RelationEntity;
  readonly key: string;
  readonly reason: 'changed' | 'deleted' | 'referenced';
}

/** Result of {@link undoImport}. */
export interface UndoImportResult {
  readonly batchId: string;
  readonly kind: string;
  readonly restored: number;
  readonly skipped: readonly UndoSkipped[];
}

/** Tables whose rows keep a record from being deleted by an undo (rows added since the import refer to it). */
const REFERENCES: Readonly<Partial<Record<EntityKind, readonly string[]>>> = {
  users: [
    'SELECT 1 FROM responsibilities WHERE user_id = ?',
    'SELECT 1 FROM teams WHERE leader_user_id = ?',
    'SELECT 1 FROM audit_log WHERE user_id = ?',
    'SELECT 1 FROM user_modules WHERE user_id = ?',
    'SELECT 1 FROM setting_values WHERE user_id = ? OR changed_by = ?',
    'SELECT 1 FROM call_journal WHERE user_id = ?',
  ],
  teams: ['SELECT 1 FROM objects WHERE team_id = ?', 'SELECT 1 FROM team_members WHERE team_id = ?'],
  objects: [
    'SELECT 1 FROM persons WHERE object_id = ?',
    'SELECT 1 FROM meldungen WHERE object_id = ?',
    'SELECT 1 FROM auftraege WHERE object_id = ?',
    'SELECT 1 FROM technical_objects WHERE object_id = ?',
    'SELECT 1 FROM responsibilities WHERE object_id = ?',
    'SELECT 1 FROM object_owners WHERE object_id = ?',
    'SELECT 1 FROM object_creditors WHERE object_id = ?',
  ],
  creditors: ['SELECT 1 FROM auftraege WHERE creditor_id = ?', 'SELECT 1 FROM object_creditors WHERE creditor_id = ?'],
  owners: ['SELECT 1 FROM object_owners WHERE owner_id = ?'],
  meldungen: ['SELECT 1 FROM auftraege WHERE meldung_id = ?'],
};

async function referenced(q: AsyncQueryable, kind: EntityKind, id: number): Promise<boolean> {
  for (const sql of REFERENCES[kind] ?? []) {
    const params = Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => id);
    if ((await q.get(`${sql} LIMIT 1`, params)) !== undefined) return true;
  }
  return false;
}

/**
 * Undoes an import batch once (issue 22 "can be undone like a transfer batch"): in one transaction, every record
 * whose current state is still the one the import wrote goes back to its state before (inserted records are
 * deleted, with their phone numbers and index rows); records changed or deleted since, and inserted records that
 * other rows now refer to, are left alone and reported. When not one record can be restored, nothing is changed and
 * the batch stays undoable ({@link ImportUndoNothingRestorableError}). One `audit_log` row `import.undo`.
 * Administrators only.
 * @throws PermissionError, UnknownImportBatchError, ImportBatchAlreadyUndoneError,
 *         ImportUndoNothingRestorableError (nothing changed)
 */
export async function undoImport(
  store: AsyncStore,
  actor: Actor | undefined,
  batchId: string,
  now: Date = new Date(),
): Promise<UndoImportResult> {
  requireAdmin(actor, 'undo a master data import');
  const id = batchId.trim();
  return store.transaction(async (tx) => {
    await tx.lock(IMPORT_LOCK);
    const batch = await tx.get<{ kind: string; undone_at: string | null }>(
      'SELECT kind, undone_at FROM import_batches WHERE id = ?',
      [id],
    );
    if (!batch) throw new UnknownImportBatchError(id);
    if (batch.undone_at !== null) throw new ImportBatchAlreadyUndoneError(id, batch.undone_at);
    const items = await tx.query<{
      entity: EntityKind | RelationEntity;
      entity_id: number;
      entity_key: string;
      action: 'insert' | 'update';
      before_json: string | null;
      after_json: string;
    }>(
      'SELECT entity, entity_id, entity_key, action, before_json, after_json FROM import_batch_items WHERE batch_id = ? ORDER BY seq DESC',
      [id],
    );
    const areaCode = await ownAreaCode(tx);
    const skipped: UndoSkipped[] = [];
    let restored = 0;
    const byEntity = new Map<EntityKind, typeof items>();
    for (const item of items) {
      const entity = item.entity;
      if (isRelationEntity(entity)) {
        // relations undo one by one, newest first
        const outcome = await undoRelation(tx, { ...item, entity });
        if (outcome === 'restored') restored++;
        else skipped.push({ entity, key: item.entity_key, reason: outcome });
      } else byEntity.set(entity, [...(byEntity.get(entity) ?? []), item]);
    }
    for (const [entity, list] of byEntity) {
      const spec = ENTITY_SPECS[entity];
      const current = new Map<number, EntityState>();
      for (const e of (
        await loadEntities(
          tx,
          spec,
          list.map((i) => Number(i.entity_id)),
        )
      ).values())
        current.set(e.id, e.state);
      for (const item of list) {
        const entityId = Number(item.entity_id);
        const state = current.get(entityId);
        if (!state) {
          skipped.push({ entity, key: item.entity_key, reason: 'deleted' });
          continue;
        }
        // compared canonically: an after-image written before schema v13 lacks the address columns (= null)
        if (stateJson(spec, state) !== stateJson(spec, parseState(item.after_json))) {
          skipped.push({ entity, key: item.entity_key, reason: 'changed' });
          continue;
        }
        if (item.action === 'insert') {
          if (await referenced(tx, entity, entityId)) {
            skipped.push({ entity, key: item.entity_key, reason: 'referenced' });
            continue;
          }
          // phone numbers (and their index rows) and team memberships go with the row (ON DELETE CASCADE); the
          // assignments of a Meldung/Auftrag refer to it by record_id only
          if (spec.responsibilities)
            await tx.run('DELETE FROM responsibilities WHERE module = ? AND record_id = ?', [
              spec.responsibilities.module,
              entityId,
            ]);
          await tx.run(`DELETE FROM ${spec.table} WHERE id = ?`, [entityId]);
        } else {
          const before = parseState(item.before_json ?? '{}');
          await updateEntity(tx, spec, entityId, state, before);
          await writeState(tx, spec, entityId, state, before, areaCode);
        }
        restored++;
      }
    }
    // restoring nothing would only use up the batch's one undo: refuse (the transaction rolls back, nothing changes)
    if (restored === 0) throw new ImportUndoNothingRestorableError(id, skipped);
    const at = now.toISOString();
    await tx.run(
      'UPDATE import_batches SET undone_at = ?, undone_by = ?, undo_restored = ?, undo_skipped = ? WHERE id = ?',
      [at, actor.id, restored, skipped.length, id],
    );
    await tx.run(
      'INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      [at, actor.id, 'import.undo', batch.kind, id, null, JSON.stringify({ restored, skipped: skipped.length }), id],
    );
    return { batchId: id, kind: batch.kind, restored, skipped };
  });
}
