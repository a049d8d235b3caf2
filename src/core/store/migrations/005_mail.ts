/**
 * Schema version 5 (mail issue 7): the two SMTP fields v1
 * lacks (explicit opt-in to unencrypted login, Entra authority host), the secret-expiry reminders sent (each of
 * 30/7/1 days once per expiry date), scheduler jobs with cron and maximum run time, their runs, and the incidents
 * the monitor alerted on (one alert per incident). Secrets are never stored here.
 */
export const SCHEMA_V5 = `
ALTER TABLE mail_settings ADD COLUMN allow_insecure_auth INTEGER NOT NULL DEFAULT 0 CHECK (allow_insecure_auth IN (0, 1));
ALTER TABLE mail_settings ADD COLUMN authority_host TEXT;

CREATE TABLE mail_secret_reminders (
  valid_until TEXT NOT NULL,
  days_before INTEGER NOT NULL CHECK (days_before IN (30, 7, 1)),
  sent_at     TEXT NOT NULL,
  recipient   TEXT NOT NULL,
  PRIMARY KEY (valid_until, days_before)
) WITHOUT ROWID;

CREATE TABLE scheduler_jobs (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
  job_group       TEXT NOT NULL DEFAULT 'Weitere Aufgaben' CHECK (job_group IN ('Buchhaltung', 'Importe und Exporte', 'Weitere Aufgaben')),
  cron            TEXT NOT NULL,
  max_run_minutes INTEGER NOT NULL CHECK (max_run_minutes BETWEEN 1 AND 10080),
  enabled         INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  created_at      TEXT NOT NULL
);

CREATE TABLE scheduler_runs (
  id         INTEGER PRIMARY KEY,
  job_id     INTEGER NOT NULL REFERENCES scheduler_jobs(id) ON DELETE CASCADE,
  started_at TEXT NOT NULL,
  ended_at   TEXT,
  result     TEXT CHECK (result IS NULL OR result IN ('ok', 'error'))
);
CREATE INDEX scheduler_runs_job ON scheduler_runs(job_id, started_at);

CREATE TABLE scheduler_incidents (
  job_id      INTEGER NOT NULL REFERENCES scheduler_jobs(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL CHECK (kind IN ('not-started', 'blocked')),
  ref         TEXT NOT NULL,
  detected_at TEXT NOT NULL,
  alerted_at  TEXT,
  PRIMARY KEY (job_id, kind, ref)
) WITHOUT ROWID;
`;
