/**
 * Schema version 13 (issue 22 "persons, creditors and owners with their address"): the Stammdaten import reads
 * Straße/PLZ/Ort for persons, creditors and owners and the export must give them back, so the three party tables
 * get the same nullable address columns as `objects` (`street`, `zip`, `city`, all TEXT — a PLZ is text so that
 * `01067` keeps its leading zero). Existing rows keep NULL (no address known). `ALTER TABLE … ADD COLUMN` needs no
 * table rebuild on SQLite and translates unchanged to PostgreSQL.
 */
export const SCHEMA_V13_PARTY_ADDRESSES = `
ALTER TABLE persons ADD COLUMN street TEXT;
ALTER TABLE persons ADD COLUMN zip TEXT;
ALTER TABLE persons ADD COLUMN city TEXT;
ALTER TABLE creditors ADD COLUMN street TEXT;
ALTER TABLE creditors ADD COLUMN zip TEXT;
ALTER TABLE creditors ADD COLUMN city TEXT;
ALTER TABLE owners ADD COLUMN street TEXT;
ALTER TABLE owners ADD COLUMN zip TEXT;
ALTER TABLE owners ADD COLUMN city TEXT;
`;
