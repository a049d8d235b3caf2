/**
 * Schema version 11 (issue 22 "Stammdaten importieren"): one row per applied import batch, and one row per record
 * the batch inserted or changed, with its state before (`before_json`, NULL for an insert) and after
 * (`after_json`), so that `import undo BATCH` restores exactly and only what still holds the imported state
 * (like the transfer batches of schema v4). States are JSON objects written by src/core/import/planEntities.ts
 * (`{"cols":{…},"phones":[…],"teams":[…]}`). `undone_*` stay NULL until the batch is undone (once).
 */
export const SCHEMA_V11_IMPORT_BATCHES = `
CREATE TABLE import_batches (
  id            TEXT PRIMARY KEY,
  at            TEXT NOT NULL,
  actor_id      INTEGER REFERENCES users(id),
  kind          TEXT NOT NULL,
  source_name   TEXT,
  counts_json   TEXT NOT NULL,
  total         INTEGER NOT NULL CHECK (total >= 0),
  undone_at     TEXT,
  undone_by     INTEGER REFERENCES users(id),
  undo_restored INTEGER,
  undo_skipped  INTEGER
);
CREATE INDEX import_batches_at ON import_batches(at);

CREATE TABLE import_batch_items (
  batch_id    TEXT NOT NULL REFERENCES import_batches(id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL,
  entity      TEXT NOT NULL CHECK (entity IN ('users', 'teams', 'objects', 'persons', 'creditors', 'owners')),
  entity_id   INTEGER NOT NULL,
  entity_key  TEXT NOT NULL,
  action      TEXT NOT NULL CHECK (action IN ('insert', 'update')),
  before_json TEXT,
  after_json  TEXT NOT NULL,
  PRIMARY KEY (batch_id, seq)
) WITHOUT ROWID;
`;
