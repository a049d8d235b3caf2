/**
 * Schema version 10 (issue 21 "Exactly once"): one row per incident and alert channel that a monitor (the
 * `ixhaus-admin serve` service, a VS Code window) has claimed before sending. The primary key makes the claim
 * unique across processes (`INSERT … ON CONFLICT DO NOTHING`); a claim that expired unsent (its monitor died
 * between claim and send, or the send failed) is taken over by a conditional UPDATE (src/core/alerts/claims.ts).
 * Times are ISO-8601 UTC text. `last_error` names the channel and the failure, never a webhook URL.
 */
export const SCHEMA_V10_ALERT_CLAIMS = `
CREATE TABLE alert_claims (
  incident_key TEXT NOT NULL CHECK (length(incident_key) BETWEEN 1 AND 300),
  channel      TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 100),
  claimed_by   TEXT NOT NULL,
  claimed_at   TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  sent_at      TEXT,
  attempts     INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 0),
  last_error   TEXT,
  PRIMARY KEY (incident_key, channel)
) WITHOUT ROWID;
CREATE INDEX alert_claims_unsent ON alert_claims(expires_at) WHERE sent_at IS NULL;
`;
