/**
 * Scheduler incidents (src/core/scheduler/scheduler.ts `findIncidents`) as alerts of the monitor (issue 21): the
 * claim key every monitor uses for them — `ixhaus-admin serve` and the extension's scheduler monitor — and the same
 * German wording as the scheduler's own alert mail (times as German local time, Europe/Berlin; `at` stays ISO UTC
 * for the JSON POST's `incidentAt`).
 */
import type { AlertIncident, NamedCheck } from './incident';
import { schedulerAlertWording } from '../scheduler/schedulerMonitor';
import { findIncidents } from '../scheduler/incidents';
import { schedulerIncidentKey } from '../scheduler/scheduler';
import type { Incident } from '../scheduler/scheduler';

/** A scheduler incident as an alert (German, as the scheduler's own alert mail words it). */
export function schedulerAlert(incident: Incident): AlertIncident {
  const wording = schedulerAlertWording(incident);
  return {
    key: schedulerIncidentKey(incident),
    kind: 'scheduler',
    subject: wording.subject,
    text: wording.lines.join('\n'),
    at: incident.at,
    facts: wording.facts,
  };
}

/** The scheduler check of the monitor ("not started when due", "blocked"): `serve` and the extension's monitor. */
export function schedulerCheck(): NamedCheck {
  return {
    name: 'scheduler',
    run: async (store, now) => (await findIncidents(store, { now })).map(schedulerAlert),
  };
}
