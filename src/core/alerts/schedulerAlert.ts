/**
 * Scheduler incidents (src/core/scheduler/scheduler.ts `findIncidents`) as alerts of the monitor (issue 21): the
 * claim key every monitor uses for them — `ixhaus-admin serve` and, once it claims too, the extension's scheduler
 * monitor — and the German wording of the scheduler's own alert mail.
 */
import type { AlertIncident, NamedCheck } from './incident';
import { headerSafeJobName, schedulerIncidentKey } from '../scheduler/schedulerMonitor';
import { findIncidents } from '../scheduler/scheduler';
import type { Incident } from '../scheduler/scheduler';

/** A scheduler incident as an alert (German, as the scheduler's own alert mail words it). */
export function schedulerAlert(incident: Incident): AlertIncident {
  const name = headerSafeJobName(incident.jobName);
  const blocked = incident.kind === 'blocked';
  return {
    key: schedulerIncidentKey(incident),
    kind: 'scheduler',
    subject: `iX-Scheduler: Aufgabe "${name}" ${blocked ? 'blockiert' : 'nicht gestartet'}`,
    text: `Die Scheduler-Aufgabe "${name}" (Nr. ${incident.jobId}) ${
      blocked
        ? `läuft seit ${incident.at} länger als die maximale Laufzeit (blockiert)`
        : `wurde zum Termin ${incident.at} nicht gestartet`
    }.\nBitte prüfen Sie den iX-Scheduler-Dienst und das Protokoll der Aufgabe.`,
    at: incident.at,
    facts: [
      ['Aufgabe', name],
      ['Zustand', blocked ? 'blockiert' : 'nicht gestartet'],
    ],
  };
}

/** The scheduler check of the monitor ("not started when due", "blocked"): `serve` and the extension's monitor. */
export function schedulerCheck(): NamedCheck {
  return {
    name: 'scheduler',
    run: async (store, now) => (await findIncidents(store, { now })).map(schedulerAlert),
  };
}
