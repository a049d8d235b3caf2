/**
 * Schema version 1: the administrative data of iX-Haus plus that the suite manages (product.md §1,
 * domain.md §7). Conventions: English table/column names (glossary in domain.md §9), times as ISO-8601 UTC text,
 * dates as `YYYY-MM-DD`, booleans as 0/1 with CHECKs. No secret is ever stored here (DESIGN.md §3 "Secrets").
 */
export const SCHEMA_V1 = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(login) BETWEEN 1 AND 8),
  short_code    TEXT NOT NULL CHECK (length(short_code) BETWEEN 1 AND 10),
  last_name     TEXT NOT NULL CHECK (length(last_name) <= 30),
  first_name    TEXT NOT NULL DEFAULT '' CHECK (length(first_name) <= 30),
  email         TEXT,
  rights_class  TEXT NOT NULL CHECK (length(rights_class) = 1 AND rights_class BETWEEN 'A' AND 'Z'),
  role          TEXT NOT NULL CHECK (role IN ('Administrator', 'Hauptbenutzer', 'Sachbearbeiter', 'Buchhaltung', 'Technik', 'Lesezugriff')),
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  coupled       INTEGER NOT NULL DEFAULT 1 CHECK (coupled IN (0, 1)),
  password_hash TEXT NOT NULL,
  extension     TEXT,
  cti_line      TEXT,
  tab_counters  INTEGER NOT NULL DEFAULT 0 CHECK (tab_counters IN (0, 1)),
  note          TEXT CHECK (note IS NULL OR length(note) <= 70)
);

CREATE TABLE teams (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL UNIQUE,
  name2          TEXT,
  kind           TEXT NOT NULL CHECK (kind IN ('Buchhaltung', 'Abrechnung', 'Objektmanagement')),
  leader_user_id INTEGER REFERENCES users(id)
);

CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  PRIMARY KEY (team_id, user_id)
) WITHOUT ROWID;

CREATE TABLE user_modules (
  user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  module_code TEXT NOT NULL,
  PRIMARY KEY (user_id, module_code)
) WITHOUT ROWID;

CREATE TABLE objects (
  id        INTEGER PRIMARY KEY,
  object_no INTEGER NOT NULL UNIQUE CHECK (object_no > 0),
  name      TEXT NOT NULL,
  street    TEXT,
  zip       TEXT,
  city      TEXT,
  team_id   INTEGER REFERENCES teams(id)
);
CREATE INDEX objects_team ON objects(team_id);

CREATE TABLE persons (
  id         INTEGER PRIMARY KEY,
  person_no  INTEGER NOT NULL UNIQUE,
  salutation TEXT,
  first_name TEXT,
  last_name  TEXT NOT NULL,
  company    TEXT,
  email      TEXT,
  object_id  INTEGER REFERENCES objects(id)
);

CREATE TABLE creditors (
  id          INTEGER PRIMARY KEY,
  creditor_no INTEGER NOT NULL UNIQUE,
  name        TEXT NOT NULL,
  trade       TEXT,
  email       TEXT
);

CREATE TABLE owners (
  id         INTEGER PRIMARY KEY,
  owner_no   INTEGER NOT NULL UNIQUE,
  first_name TEXT,
  last_name  TEXT NOT NULL,
  email      TEXT
);

CREATE TABLE object_owners (
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  owner_id  INTEGER NOT NULL REFERENCES owners(id) ON DELETE CASCADE,
  PRIMARY KEY (object_id, owner_id)
) WITHOUT ROWID;

CREATE TABLE object_creditors (
  object_id   INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  creditor_id INTEGER NOT NULL REFERENCES creditors(id) ON DELETE CASCADE,
  PRIMARY KEY (object_id, creditor_id)
) WITHOUT ROWID;

-- One row per phone number of a person, creditor or owner; exactly one owner column is set.
-- kind: private = Telefon privat, business = Telefon geschäftlich, mobile = mobil, fax = Fax.
-- raw is the number exactly as entered (normalisation and the lookup index come with CTI).
CREATE TABLE phone_numbers (
  id          INTEGER PRIMARY KEY,
  person_id   INTEGER REFERENCES persons(id) ON DELETE CASCADE,
  creditor_id INTEGER REFERENCES creditors(id) ON DELETE CASCADE,
  owner_id    INTEGER REFERENCES owners(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('private', 'business', 'mobile', 'fax')),
  raw         TEXT NOT NULL CHECK (length(raw) BETWEEN 1 AND 40),
  CHECK ((person_id IS NOT NULL) + (creditor_id IS NOT NULL) + (owner_id IS NOT NULL) = 1)
);
CREATE INDEX phone_numbers_person ON phone_numbers(person_id) WHERE person_id IS NOT NULL;
CREATE INDEX phone_numbers_creditor ON phone_numbers(creditor_id) WHERE creditor_id IS NOT NULL;
CREATE INDEX phone_numbers_owner ON phone_numbers(owner_id) WHERE owner_id IS NOT NULL;

CREATE TABLE technical_objects (
  id        INTEGER PRIMARY KEY,
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  kind      TEXT NOT NULL
);

CREATE TABLE meldungen (
  id          INTEGER PRIMARY KEY,
  meldung_no  INTEGER NOT NULL UNIQUE,
  object_id   INTEGER NOT NULL REFERENCES objects(id),
  subject     TEXT NOT NULL,
  kind        TEXT NOT NULL,
  priority    TEXT NOT NULL CHECK (priority IN ('niedrig', 'normal', 'hoch', 'kritisch')),
  status      TEXT NOT NULL CHECK (status IN ('offen', 'in Bearbeitung', 'erledigt')),
  reported_at TEXT NOT NULL,
  closed      INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1))
);
CREATE INDEX meldungen_object ON meldungen(object_id);

CREATE TABLE auftraege (
  id          INTEGER PRIMARY KEY,
  auftrag_no  INTEGER NOT NULL UNIQUE,
  object_id   INTEGER NOT NULL REFERENCES objects(id),
  creditor_id INTEGER NOT NULL REFERENCES creditors(id),
  meldung_id  INTEGER REFERENCES meldungen(id),
  subject     TEXT NOT NULL,
  status      TEXT NOT NULL CHECK (status IN ('Neu', 'In Bearbeitung', 'In Genehmigung', 'Genehmigt', 'Erledigt')),
  created_at  TEXT NOT NULL,
  closed      INTEGER NOT NULL DEFAULT 0 CHECK (closed IN (0, 1))
);
CREATE INDEX auftraege_object ON auftraege(object_id);

-- Who is responsible (or deputy) for an object itself (record_id NULL) or for one record of a module.
CREATE TABLE responsibilities (
  id        INTEGER PRIMARY KEY,
  module    TEXT NOT NULL CHECK (module IN ('objects', 'meldungen', 'auftraege', 'technical_objects')),
  object_id INTEGER NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
  record_id INTEGER,
  user_id   INTEGER NOT NULL REFERENCES users(id),
  role      TEXT NOT NULL CHECK (role IN ('responsible', 'deputy')),
  CHECK ((module = 'objects') = (record_id IS NULL))
);
CREATE UNIQUE INDEX responsibilities_unique ON responsibilities(module, object_id, ifnull(record_id, 0), role);
CREATE INDEX responsibilities_user ON responsibilities(user_id, module);

-- Values that differ from the catalogue's defaults; global (user_id NULL) or per user.
CREATE TABLE setting_values (
  id         INTEGER PRIMARY KEY,
  area       TEXT NOT NULL,
  section    TEXT NOT NULL,
  name       TEXT NOT NULL,
  user_id    INTEGER REFERENCES users(id) ON DELETE CASCADE,
  value      TEXT NOT NULL,
  changed_at TEXT NOT NULL,
  changed_by INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX setting_values_unique ON setting_values(area, section, name, ifnull(user_id, 0));

CREATE TABLE licenses (
  license_no    TEXT PRIMARY KEY,
  customer_no   TEXT NOT NULL,
  customer_name TEXT NOT NULL,
  serial        INTEGER NOT NULL CHECK (serial >= 0),
  issued_at     TEXT NOT NULL,
  valid_until   TEXT,
  key_id        TEXT NOT NULL,
  demo          INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
  installed_at  TEXT NOT NULL,
  installed_by  INTEGER REFERENCES users(id),
  payload_json  TEXT NOT NULL
);

CREATE TABLE license_modules (
  license_no  TEXT NOT NULL REFERENCES licenses(license_no) ON DELETE CASCADE,
  code        TEXT NOT NULL,
  name        TEXT NOT NULL,
  seats       INTEGER NOT NULL CHECK (seats >= 0),
  valid_until TEXT,
  PRIMARY KEY (license_no, code)
) WITHOUT ROWID;

CREATE TABLE license_history (
  id           INTEGER PRIMARY KEY,
  license_no   TEXT NOT NULL,
  serial       INTEGER NOT NULL,
  payload_json TEXT NOT NULL,
  installed_at TEXT NOT NULL,
  installed_by INTEGER REFERENCES users(id),
  replaced_at  TEXT NOT NULL
);

-- Mail settings (SMTP Einstellungen) without secrets: passwords and client secrets live in secret storage.
CREATE TABLE mail_settings (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  auth_type            TEXT NOT NULL DEFAULT 'basic' CHECK (auth_type IN ('basic', 'oauth2')),
  host                 TEXT,
  port                 INTEGER CHECK (port IS NULL OR port BETWEEN 1 AND 65535),
  ssl_required         INTEGER NOT NULL DEFAULT 1 CHECK (ssl_required IN (0, 1)),
  username             TEXT,
  sender               TEXT,
  client_id            TEXT,
  object_id            TEXT,
  tenant               TEXT,
  secret_valid_until   TEXT,
  notify_email         TEXT,
  scheduler_recipient  TEXT,
  scheduler_recipient2 TEXT
);

-- SFTP settings (SFTP Einstellungen) without secrets.
CREATE TABLE sftp_settings (
  id                   INTEGER PRIMARY KEY CHECK (id = 1),
  host                 TEXT,
  port                 INTEGER NOT NULL DEFAULT 22 CHECK (port BETWEEN 1 AND 65535),
  username             TEXT,
  auth_method          TEXT NOT NULL DEFAULT 'password' CHECK (auth_method IN ('password', 'privateKey')),
  remote_dir           TEXT,
  host_key_fingerprint TEXT
);

CREATE TABLE call_journal (
  id            INTEGER PRIMARY KEY,
  started_at    TEXT NOT NULL,
  ended_at      TEXT,
  direction     TEXT NOT NULL CHECK (direction IN ('in', 'out')),
  state         TEXT NOT NULL CHECK (state IN ('ringing', 'connected', 'ended', 'missed')),
  remote_number TEXT,
  line          TEXT,
  user_id       INTEGER REFERENCES users(id),
  match_kind    TEXT CHECK (match_kind IS NULL OR match_kind IN ('person', 'creditor', 'owner', 'user')),
  match_id      INTEGER
);
CREATE INDEX call_journal_started ON call_journal(started_at);

CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY,
  at         TEXT NOT NULL,
  user_id    INTEGER REFERENCES users(id),
  action     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  entity_key TEXT,
  old_value  TEXT,
  new_value  TEXT,
  batch_id   TEXT
);
CREATE INDEX audit_log_at ON audit_log(at);
CREATE INDEX audit_log_batch ON audit_log(batch_id) WHERE batch_id IS NOT NULL;
`;
