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
import { HttpsClient } from '../core/mail/oauth';
import type { OpenedStore } from '../core/store/openStore';
import { readOptionFile } from './serveChannels';
import type { ServeOptions } from './serveCommand';
import { secretExpiryChecks } from '../core/alerts/secretExpiryAlert';
import type { SecretExpiryCheckOptions } from '../core/alerts/secretExpiryAlert';

/**
 * Every check `serve` runs.
 * @param secretExpiry where the client secret and Graph are (omitted: no client-secret expiry checks)
 */
export function serveChecks(secretExpiry?: SecretExpiryCheckOptions): NamedCheck[] {
  return [schedulerCheck(), expiryCheck(), ...(secretExpiry ? secretExpiryChecks(secretExpiry) : [])];
}

/**
 * The checks `serve` runs with its options ({@link serveChecks}); the client-secret expiry check reads the secret from the
 * variable of `--client-secret-env` and reaches Entra ID / Graph with `--ca-file` and the proxy of the environment.
 */
export function defaultChecks(_opened: () => OpenedStore | undefined, options?: ServeOptions): readonly NamedCheck[] {
  if (!options) return serveChecks();
  const variable = options.clientSecretEnv ?? 'IXHAUS_SMTP_CLIENT_SECRET';
  const ca = options.caFile !== undefined ? readOptionFile(options.caFile, '--ca-file') : undefined;
  return serveChecks({
    clientSecret: process.env[variable],
    clientSecretSource: `environment variable ${variable}, --client-secret-env`,
    http: new HttpsClient(ca ? { ca } : {}),
    ...(options.graphHost !== undefined ? { graphHost: options.graphHost } : {}),
  });
}
