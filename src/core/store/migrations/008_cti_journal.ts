/**
 * Schema version 8 (CTI issue 16 "A journal that is true"; version 7 is reserved for a parallel change and the
 * order is fixed at merge): per call the telephone system's answer time, the duration it states, the outcome
 * (answered, missed, blocked/rejected, busy, outgoing unanswered), the own number that was called (MSN/DID), the
 * answering/dialling extension and a note the user adds. `started_at`/`ended_at`/`answered_at` are ISO 8601 with
 * the offset of the telephone system's zone (Europe/Berlin) from now on; older rows keep their UTC `Z` times.
 */
export const SCHEMA_V8_CTI_JOURNAL = `
ALTER TABLE call_journal ADD COLUMN answered_at TEXT;
ALTER TABLE call_journal ADD COLUMN duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0);
ALTER TABLE call_journal ADD COLUMN outcome TEXT CHECK (outcome IS NULL OR outcome IN ('answered', 'missed', 'blocked', 'busy', 'unanswered'));
ALTER TABLE call_journal ADD COLUMN own_number TEXT;
ALTER TABLE call_journal ADD COLUMN extension TEXT;
ALTER TABLE call_journal ADD COLUMN note TEXT CHECK (note IS NULL OR length(note) <= 500);
CREATE INDEX call_journal_user ON call_journal(user_id, started_at);
`;
