/**
 * The checks `ixhaus-admin serve` runs (issue 21): each adapts a feature's own incident finder to the monitor's
 * {@link MonitorCheck} shape — no feature logic is repeated here: the scheduler ("not started when due",
 * "blocked", `findIncidents` of src/core/scheduler/scheduler.ts) and the license/module expiry reminders
 * (src/core/alerts/licenseAlert.ts), and — with the client secret given — the daily OAuth client-secret expiry
 * lookup through Graph and its alerts (src/core/alerts/secretExpiryAlert.ts). All run on either backend (issue 19).
 */
import type { NamedCheck } from '../core/alerts/incident';
import { expiryCheck } from '../core/alerts/licenseAlert';
import { schedulerCheck } from '../core/alerts/schedulerAlert';
import { secretExpiryChecks } from '../core/alerts/secretExpiryAlert';
import type { SecretExpiryCheckOptions } from '../core/alerts/secretExpiryAlert';

/**
 * Every check `serve` runs.
 * @param secretExpiry where the client secret and Graph are (omitted: no client-secret expiry checks)
 */
export function serveChecks(secretExpiry?: SecretExpiryCheckOptions): NamedCheck[] {
  return [schedulerCheck(), expiryCheck(), ...(secretExpiry ? secretExpiryChecks(secretExpiry) : [])];
}
