/**
 * Schema version 3 (settings/users issue): program rights per rights class (domain.md §2.4) — allow or deny a
 * module, or one list inside it (`list` = '' for the module itself); a list inherits the module's right unless it
 * has its own row.
 */
export const SCHEMA_V3 = `
CREATE TABLE program_rights (
  rights_class TEXT NOT NULL CHECK (length(rights_class) = 1 AND rights_class BETWEEN 'A' AND 'Z'),
  module_code  TEXT NOT NULL,
  list         TEXT NOT NULL DEFAULT '',
  allowed      INTEGER NOT NULL CHECK (allowed IN (0, 1)),
  PRIMARY KEY (rights_class, module_code, list)
) WITHOUT ROWID;
`;
