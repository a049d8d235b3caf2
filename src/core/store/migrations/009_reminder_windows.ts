/**
 * Schema version 9 (issue 17 §12): the reminder windows became a store-wide setting (`meta.reminder_days`, default
 * 30/7/1), so the tables that remember reminders already given accept any window of 1–365 days instead of only
 * 30, 7 and 1. SQLite cannot change a CHECK in place: each table is rebuilt and its rows copied unchanged.
 */
export const SCHEMA_V9_REMINDER_WINDOWS = `
CREATE TABLE license_reminders_v9 (
  license_no     TEXT NOT NULL,
  module_code    TEXT NOT NULL DEFAULT '',
  valid_until    TEXT NOT NULL,
  threshold_days INTEGER NOT NULL CHECK (threshold_days BETWEEN 1 AND 365),
  given_at       TEXT NOT NULL,
  PRIMARY KEY (license_no, module_code, valid_until, threshold_days)
) WITHOUT ROWID;
INSERT INTO license_reminders_v9 (license_no, module_code, valid_until, threshold_days, given_at)
  SELECT license_no, module_code, valid_until, threshold_days, given_at FROM license_reminders;
DROP TABLE license_reminders;
ALTER TABLE license_reminders_v9 RENAME TO license_reminders;

CREATE TABLE mail_secret_reminders_v9 (
  valid_until TEXT NOT NULL,
  days_before INTEGER NOT NULL CHECK (days_before BETWEEN 1 AND 365),
  sent_at     TEXT NOT NULL,
  recipient   TEXT NOT NULL,
  PRIMARY KEY (valid_until, days_before)
) WITHOUT ROWID;
INSERT INTO mail_secret_reminders_v9 (valid_until, days_before, sent_at, recipient)
  SELECT valid_until, days_before, sent_at, recipient FROM mail_secret_reminders;
DROP TABLE mail_secret_reminders;
ALTER TABLE mail_secret_reminders_v9 RENAME TO mail_secret_reminders;
`;
