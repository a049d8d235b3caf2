/**
 * Schema version 7 (issue 15 "Store safety"):
 * - `sign_in_attempts`: failed sign-ins per login, kept in the store so that a new process (another CLI run, a
 *   reloaded window) does not reset the throttle (users/auth.ts). Keyed by the login as typed (case-insensitive),
 *   also for logins that do not exist, so that the throttle does not reveal which logins exist.
 * - `meta.store_kind`: 'demo' for a store created as a demo (only such a store trusts the built-in demo vendor
 *   key, license/licenseService.ts), 'production' otherwise. Stores created before this version: a store is a
 *   demo store only when its demo data marker (`meta.demo` = '1', written by the demo generator) is set and no
 *   license signed by another key than the demo key was ever installed in it; every other store is 'production'.
 */
export const SCHEMA_V7_STORE_SAFETY = `
CREATE TABLE sign_in_attempts (
  login           TEXT PRIMARY KEY COLLATE NOCASE,
  failures        INTEGER NOT NULL CHECK (failures >= 0),
  last_failure_at TEXT NOT NULL,
  locked_until    TEXT
);

INSERT OR IGNORE INTO meta (key, value)
SELECT 'store_kind',
       CASE WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'demo' AND value = '1')
             AND NOT EXISTS (SELECT 1 FROM licenses WHERE key_id <> 'demo')
            THEN 'demo' ELSE 'production' END;
`;
