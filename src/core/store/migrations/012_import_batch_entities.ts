/**
 * Schema version 12 (issue 22 "object ↔ owner/creditor/person relations, Meldungen, Aufträge, responsibility
 * assignments" written by the import): the items of an import batch may now be Meldungen, Aufträge, object links
 * (`object_owners`, `object_creditors`, `person_objects` = `persons.object_id`) and `responsibilities` rows, so the
 * CHECK on `import_batch_items.entity` is widened. SQLite cannot change a CHECK in place: the table is rebuilt and
 * its rows copied unchanged (as v9 did). PostgreSQL replaces the constraint in place instead
 * ({@link SCHEMA_V12_POSTGRES}), keeping the rows of stores that already hold import batches.
 */
const ENTITIES =
  "'users', 'teams', 'objects', 'persons', 'creditors', 'owners', 'meldungen', 'auftraege', 'object_owners', 'object_creditors', 'person_objects', 'responsibilities'";

export const SCHEMA_V12_IMPORT_BATCH_ENTITIES = `
CREATE TABLE import_batch_items_v12 (
  batch_id    TEXT NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  entity      TEXT NOT NULL CHECK (entity IN (${ENTITIES})),
  entity_id   INTEGER NOT NULL,
  entity_key  TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('insert', 'update')),
  before_json TEXT,
  after_json  TEXT NOT NULL,
  PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;
INSERT INTO import_batch_items_v12 (batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json)
  SELECT batch_id, seq, entity, entity_id, entity_key, action, before_json, after_json FROM import_batch_items;
DROP TABLE import_batch_items;
ALTER TABLE import_batch_items_v12 RENAME TO import_batch_items;
`;

/**
 * The PostgreSQL form of v12: the column CHECK of v11 got PostgreSQL's default name
 * `import_batch_items_entity_check`; it is replaced by the wider one (rows stay).
 */
export const SCHEMA_V12_POSTGRES: readonly string[] = [
  'ALTER TABLE import_batch_items DROP CONSTRAINT IF EXISTS import_batch_items_entity_check',
  `ALTER TABLE import_batch_items ADD CONSTRAINT import_batch_items_entity_check CHECK (entity IN (${ENTITIES}))`,
];
