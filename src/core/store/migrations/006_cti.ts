/**
 * Schema version 6 (CTI issue 9): the caller-lookup index
 * of normalised phone numbers (cti-protocols.md "Number matching rules") and the user's remembered pick among
 * several matches (product.md §7). The index is derived data: `phone_index` rows are written with every
 * `phone_numbers` row by `src/core/cti/phoneIndex.ts` and backfilled here for existing stores (with the normaliser frozen as of v6: 006_phoneIndexBackfill.ts).
 *
 * variant: main = the number itself; direct = number + extension dialled through (`030 12345-12` → `+493012345 12`);
 * alt = another plausible reading of an ambiguous number (C20).
 */
export const SCHEMA_V6_CTI = `
CREATE TABLE phone_index (
  phone_id  INTEGER NOT NULL REFERENCES phone_numbers(id) ON DELETE CASCADE,
  variant   TEXT NOT NULL CHECK (variant IN ('main', 'direct', 'alt')),
  e164      TEXT NOT NULL CHECK (e164 GLOB '+[1-9]*'),
  last8     TEXT NOT NULL,
  extension TEXT,
  PRIMARY KEY (phone_id, variant, e164)
) WITHOUT ROWID;
CREATE INDEX phone_index_e164 ON phone_index(e164);
CREATE INDEX phone_index_last8 ON phone_index(last8);
CREATE INDEX users_extension ON users(extension) WHERE extension IS NOT NULL;

CREATE TABLE cti_picks (
  user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  e164      TEXT NOT NULL,
  origin    TEXT NOT NULL CHECK (origin IN ('person', 'creditor', 'owner')),
  party_id  INTEGER NOT NULL,
  picked_at TEXT NOT NULL,
  PRIMARY KEY (user_id, e164)
) WITHOUT ROWID;

-- Anrufjournal: a missed call stays marked until it is called back; the provider's call id keeps one row per call.
ALTER TABLE call_journal ADD COLUMN call_id TEXT;
ALTER TABLE call_journal ADD COLUMN called_back_at TEXT;
ALTER TABLE call_journal ADD COLUMN match_name TEXT;
CREATE UNIQUE INDEX call_journal_call ON call_journal(call_id) WHERE call_id IS NOT NULL;

-- Meldung / Auftrag created from a call ("Meldung anlegen" / "Auftrag anlegen", domain.md §5): who reported it
-- (Meldertyp Person/Kreditor/Eigentümer/Benutzer) and from which number.
ALTER TABLE meldungen ADD COLUMN reporter_kind TEXT CHECK (reporter_kind IS NULL OR reporter_kind IN ('person', 'creditor', 'owner', 'user'));
ALTER TABLE meldungen ADD COLUMN reporter_id INTEGER;
ALTER TABLE meldungen ADD COLUMN reporter_phone TEXT;
ALTER TABLE auftraege ADD COLUMN reporter_kind TEXT CHECK (reporter_kind IS NULL OR reporter_kind IN ('person', 'creditor', 'owner', 'user'));
ALTER TABLE auftraege ADD COLUMN reporter_id INTEGER;
ALTER TABLE auftraege ADD COLUMN reporter_phone TEXT;
`;
