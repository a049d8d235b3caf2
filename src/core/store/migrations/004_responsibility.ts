/**
 * Schema version 4 (issue 8 "Verantwortlichen ändern", product.md §6, domain.md §4): one row per transfer batch,
 * and one row per assignment a batch changed (the undo list). Each changed assignment also gets an `audit_log`
 * row with the same `batch_id` (DESIGN.md §4).
 * `counts_json` is `[{module, role, count}]`; `request_json` the normalised request (logins, object numbers, team,
 * modules, roles, includeClosed). `undone_*` stay NULL until the batch is undone (once).
 */
export const SCHEMA_V4 = `
CREATE TABLE responsibility_batches (
  id             TEXT PRIMARY KEY,
  at             TEXT NOT NULL,
  actor_id       INTEGER REFERENCES users(id),
  from_user_id   INTEGER NOT NULL REFERENCES users(id),
  to_user_id     INTEGER NOT NULL REFERENCES users(id),
  request_json   TEXT NOT NULL,
  counts_json    TEXT NOT NULL,
  total          INTEGER NOT NULL CHECK (total >= 0),
  undone_at      TEXT,
  undone_by      INTEGER REFERENCES users(id),
  undo_restored  INTEGER,
  undo_skipped   INTEGER
);
CREATE INDEX responsibility_batches_at ON responsibility_batches(at);

CREATE TABLE responsibility_batch_items (
  batch_id      TEXT NOT NULL REFERENCES responsibility_batches(id) ON DELETE CASCADE,
  assignment_id INTEGER NOT NULL,
  module        TEXT NOT NULL,
  role          TEXT NOT NULL,
  object_id     INTEGER NOT NULL,
  record_id     INTEGER,
  old_user_id   INTEGER NOT NULL,
  new_user_id   INTEGER NOT NULL,
  PRIMARY KEY (batch_id, assignment_id)
) WITHOUT ROWID;
`;
