/**
 * Schema version 2 (licenses issue): the installed license file itself (for re-verification and support), and the
 * expiry reminders already given (product.md §2: 30, 7 and 1 days before, each once; keyed by the end date so a
 * renewed license is reminded afresh).
 */
export const SCHEMA_V2 = `
ALTER TABLE licenses ADD COLUMN file_text TEXT;

CREATE TABLE license_reminders (
  license_no     TEXT NOT NULL,
  module_code    TEXT NOT NULL DEFAULT '',
  valid_until    TEXT NOT NULL,
  threshold_days INTEGER NOT NULL CHECK (threshold_days IN (30, 7, 1)),
  given_at       TEXT NOT NULL,
  PRIMARY KEY (license_no, module_code, valid_until, threshold_days)
) WITHOUT ROWID;
`;
