/**
 * The checks `ixhaus-admin serve` runs (issue 21): each adapts a feature's own incident finder to the monitor's
 * {@link MonitorCheck} shape — no feature logic is repeated here.
 *
 * Wired now: the scheduler ("not started when due", "blocked") through `findIncidents` of
 * src/core/scheduler/scheduler.ts, which still takes the synchronous file store while issue 19 converts the core:
 * on a file store it runs on the same open file; on PostgreSQL it reports that it is not available yet.
 * To wire when their async versions land (issue 19): license/module expiry reminders (src/core/license +
 * src/core/reminders) and the client-secret expiry through Graph, once a day (src/core/mail/secretExpiry.ts).
 */
import type { NamedCheck } from '../core/alerts/incident';
import { schedulerAlert } from '../core/alerts/schedulerAlert';
import { findIncidents } from '../core/scheduler/scheduler';
import type { OpenedStore } from '../core/store/openStore';

/** The scheduler check on `opened` (see the module comment for PostgreSQL). */
export function schedulerCheck(opened: () => OpenedStore | undefined): NamedCheck {
  return {
    name: 'scheduler',
    run: async (_store, now) => {
      const file = opened()?.file;
      if (!file)
        throw new Error(
          'the scheduler check does not run on a PostgreSQL store yet (it arrives with the async scheduler of issue 19)',
        );
      return findIncidents(file, { now }).map(schedulerAlert);
    },
  };
}
