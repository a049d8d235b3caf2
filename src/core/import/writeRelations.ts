/**
 * Writing and undoing the relation kinds of the import (issue 22: object links, responsibility assignments), inside
 * the caller's transaction of applyImport/undoImport (importBatch.ts). Each {@link RelationWrite} becomes one row
 * change and one `import_batch_items` row (schema v12) with its state before and after; undo restores a relation
 * only while it still holds the imported state. Dialect-neutral SQL (asyncStore.ts).
 */
import type { AsyncTransaction, SqlCell } from '../store/asyncStore';
import type { RelationEntity, RelationState, RelationWrite } from './planRelations';

/** One written relation as a batch item (entity, entity_id, key, action, before/after JSON). */
export interface RelationItem {
  readonly entity: RelationEntity;
  readonly entityId: number;
  readonly key: string;
  readonly action: 'insert' | 'update';
  readonly beforeJson: string | null;
  readonly afterJson: string;
}

/** Writes the planned relation rows in order; returns their batch items. */
export async function writeRelations(tx: AsyncTransaction, writes: readonly RelationWrite[]): Promise<RelationItem[]> {
  const items: RelationItem[] = [];
  for (const w of writes) {
    const a = w.after;
    let entityId: number;
    switch (w.entity) {
      case 'object_owners':
        await tx.run('INSERT INTO object_owners (object_id, owner_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [
          Number(a.object_id),
          Number(a.owner_id),
        ]);
        entityId = Number(a.owner_id);
        break;
      case 'object_creditors':
        await tx.run('INSERT INTO object_creditors (object_id, creditor_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [
          Number(a.object_id),
          Number(a.creditor_id),
        ]);
        entityId = Number(a.creditor_id);
        break;
      case 'person_objects':
        await tx.run('UPDATE persons SET object_id = ? WHERE id = ?', [Number(a.object_id), Number(w.id)]);
        entityId = Number(w.id);
        break;
      case 'responsibilities':
        if (w.action === 'update' && w.id !== undefined) {
          await tx.run('UPDATE responsibilities SET user_id = ? WHERE id = ?', [Number(a.user_id), w.id]);
          entityId = w.id;
        } else {
          const row = await tx.get<{ id: number }>(
            'INSERT INTO responsibilities (module, object_id, record_id, user_id, role) VALUES (?, ?, ?, ?, ?) RETURNING id',
            [
              String(a.module),
              Number(a.object_id),
              a.record_id === null ? null : Number(a.record_id),
              Number(a.user_id),
              String(a.role),
            ],
          );
          entityId = Number(row?.id);
        }
        break;
    }
    items.push({
      entity: w.entity,
      entityId,
      key: w.key,
      action: w.action,
      beforeJson: w.before ? JSON.stringify(w.before) : null,
      afterJson: JSON.stringify(a),
    });
  }
  return items;
}

/** True for the batch item entities this module undoes. */
export function isRelationEntity(entity: string): entity is RelationEntity {
  return ['object_owners', 'object_creditors', 'person_objects', 'responsibilities'].includes(entity);
}

/**
 * Undoes one relation item if the relation still holds the imported state: an inserted link or assignment is
 * removed, a moved person goes back to its object, a reassigned assignment back to its user.
 * @returns 'restored', or why it was left alone
 */
export async function undoRelation(
  tx: AsyncTransaction,
  item: {
    entity: RelationEntity;
    entity_id: number;
    action: 'insert' | 'update';
    before_json: string | null;
    after_json: string;
  },
): Promise<'restored' | 'changed' | 'deleted'> {
  const after = JSON.parse(item.after_json) as RelationState;
  const before = item.before_json === null ? null : (JSON.parse(item.before_json) as RelationState);
  const id = Number(item.entity_id);
  switch (item.entity) {
    case 'object_owners':
    case 'object_creditors': {
      const column = item.entity === 'object_owners' ? 'owner_id' : 'creditor_id';
      const params: SqlCell[] = [Number(after.object_id), id];
      if ((await tx.get(`SELECT 1 FROM ${item.entity} WHERE object_id = ? AND ${column} = ?`, params)) === undefined)
        return 'deleted';
      await tx.run(`DELETE FROM ${item.entity} WHERE object_id = ? AND ${column} = ?`, params);
      return 'restored';
    }
    case 'person_objects': {
      const row = await tx.get<{ object_id: number | null }>('SELECT object_id FROM persons WHERE id = ?', [id]);
      if (!row) return 'deleted';
      if (Number(row.object_id) !== Number(after.object_id)) return 'changed';
      const was = before?.object_id ?? null;
      await tx.run('UPDATE persons SET object_id = ? WHERE id = ?', [was === null ? null : Number(was), id]);
      return 'restored';
    }
    case 'responsibilities': {
      const row = await tx.get<{ user_id: number }>('SELECT user_id FROM responsibilities WHERE id = ?', [id]);
      if (!row) return 'deleted';
      if (Number(row.user_id) !== Number(after.user_id)) return 'changed';
      if (item.action === 'insert') await tx.run('DELETE FROM responsibilities WHERE id = ?', [id]);
      else await tx.run('UPDATE responsibilities SET user_id = ? WHERE id = ?', [Number(before?.user_id), id]);
      return 'restored';
    }
  }
}
