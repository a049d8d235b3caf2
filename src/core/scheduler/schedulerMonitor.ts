/**
 * The scheduler's alert-mail monitor (issue 7 §6, issue 17 §10–11, issue 21): records the incidents that
 * {@link findIncidents} detects and sends **one alert per incident** to both scheduler recipients (Scheduler
 * E-Mailempfänger, Weitere Scheduler E-Mailempfänger), claiming each mail in the store first when an owner is given.
 */
import { claimAlert, markAlertFailed, markAlertSent } from '../alerts/claims';
import type { AsyncStore } from '../store/asyncStore';
import { parseAddress } from '../../shared/mail/fieldParsing';
import type { MailSettings } from '../../shared/mail/settings';
import type { SafeMessageInput } from '../mail/headerSafety';
import { findIncidents } from './incidents';
import type { MonitorOptions } from './incidents';
import { MAX_COUNTED_MISSES, schedulerIncidentKey } from './scheduler';
import type { Incident } from './scheduler';
import { germanTime } from './germanTime';

/** How long a claimed alert mail holds before another monitor may send it (ms): longer than an SMTP send takes. */
const MAIL_CLAIM_TTL_MS = 10 * 60_000;

/** An alert that was due but could not be sent, with the reason (English, for logs and the CLI). */
export interface FailedAlert {
  readonly incident: Incident;
  readonly reason: string;
}

/** Outcome of {@link monitorScheduler}. */
export interface MonitorOutcome {
  readonly incidents: readonly Incident[];
  /** incidents alerted in this run */
  readonly alerted: readonly Incident[];
  /** why no alert could be sent at all (no valid recipient, no sender), if so */
  readonly notAlertedReason?: string;
  /** alerts that were due and failed one by one (the others were still tried) */
  readonly failed: readonly FailedAlert[];
  /** stored scheduler recipients that are not valid e-mail addresses (they got no alert) */
  readonly invalidRecipients: readonly string[];
  /**
   * true when an alert that was due did not reach every configured recipient: nothing sendable, a failed send,
   * or an invalid recipient (issue 17 §11: `scheduler check` then exits non-zero so that cron notices)
   */
  readonly alertsMissed: boolean;
}

/** A job name as it may appear in a mail header: CR, LF and NUL shown as visible escapes (never as line breaks). */
export function headerSafeJobName(name: string): string {
  return /[\r\n\0]/.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

/** The German wording of a scheduler alert, the same in the alert mail, the Teams card and the JSON POST. */
export interface SchedulerAlertWording {
  /** one line, e.g. `iX-Scheduler: Aufgabe "Sollstellung" nicht gestartet` */
  readonly subject: string;
  /** the body's lines (join with the medium's line break) */
  readonly lines: readonly string[];
  /** label → value for the Teams card and the mail body */
  readonly facts: ReadonlyArray<readonly [string, string]>;
}

/**
 * Words an incident for the administrators (issue 21 trial): times as German local time in `timeZone` (default
 * Europe/Berlin, where the schedules run), e.g. "03.12.2026 16:03 Uhr"; a job not started for several due times is
 * one alert that says since when and how many due times were missed, and that no further alert follows until it
 * has run again.
 */
export function schedulerAlertWording(incident: Incident, timeZone?: string): SchedulerAlertWording {
  const name = headerSafeJobName(incident.jobName);
  const time = (iso: string) => germanTime(iso, timeZone === undefined ? {} : { timeZone });
  if (incident.kind === 'blocked') {
    const max = incident.maxRunMinutes === undefined ? '' : ` von ${incident.maxRunMinutes} Minuten`;
    return {
      subject: `iX-Scheduler: Aufgabe "${name}" blockiert`,
      lines: [
        `Die Scheduler-Aufgabe "${name}" (Nr. ${incident.jobId}) läuft seit ${time(incident.at)} länger als die maximale Laufzeit${max} (blockiert).`,
        'Bitte prüfen Sie den iX-Scheduler-Dienst und das Protokoll der Aufgabe.',
      ],
      facts: [
        ['Aufgabe', name],
        ['Zustand', 'blockiert'],
        ['Gestartet', time(incident.at)],
        ...(incident.maxRunMinutes === undefined
          ? []
          : ([['Maximale Laufzeit', `${incident.maxRunMinutes} Minuten`]] as const)),
      ],
    };
  }
  const missed = incident.missed ?? 1;
  const count = missed >= MAX_COUNTED_MISSES ? `mindestens ${missed}` : String(missed);
  const since =
    missed > 1 && incident.lastMissed !== undefined
      ? ` und ist seitdem nicht gelaufen (${count} Termine versäumt, zuletzt ${time(incident.lastMissed)})`
      : '';
  return {
    subject: `iX-Scheduler: Aufgabe "${name}" nicht gestartet`,
    lines: [
      `Die Scheduler-Aufgabe "${name}" (Nr. ${incident.jobId}) wurde zum Termin ${time(incident.at)} nicht gestartet${since}.`,
      'Bitte prüfen Sie den iX-Scheduler-Dienst und das Protokoll der Aufgabe.',
      'Solange die Aufgabe nicht wieder startet, folgt keine weitere Meldung; versäumt sie nach einem neuen Lauf wieder einen Termin, wird erneut gemeldet.',
    ],
    facts: [
      ['Aufgabe', name],
      ['Zustand', 'nicht gestartet'],
      ['Nicht gestartet seit', time(incident.at)],
      ['Versäumte Termine', count],
      ...(incident.lastMissed === undefined ? [] : ([['Letzter Termin', time(incident.lastMissed)]] as const)),
    ],
  };
}

/** A failure at TCP/TLS/AUTH means the server cannot be used now: the other alerts would fail the same way. */
function connectionLevel(error: unknown): boolean {
  const e = error as { code?: string; args?: readonly unknown[] };
  return e.code === 'E_MAIL_DELIVERY' && ['TCP', 'TLS', 'AUTH'].includes(String(e.args?.[0]));
}

/**
 * Runs the monitor: records new incidents and sends one alert per incident not yet alerted to both scheduler
 * recipients (one mail with both as To). Each alert is sent on its own: a job whose stored name holds CR/LF/NUL
 * is alerted with the name escaped, and one failed alert never keeps the others from being tried (issue 17 §10).
 * A failed alert stays un-alerted for the next run. Invalid recipients are named, the valid one still gets the
 * alert (§11).
 * @param settings the stored SMTP settings as they are (not re-validated: one invalid field must not hide the rest)
 * @param send the mail sender (CLI/extension: SMTP with the configured settings; tests: a collector)
 */
export async function monitorScheduler(
  store: AsyncStore,
  settings: MailSettings | undefined,
  options: MonitorOptions,
  send: (message: SafeMessageInput) => Promise<unknown>,
): Promise<MonitorOutcome> {
  const incidents = await findIncidents(store, options);
  await store.transaction(async (tx) => {
    for (const i of incidents)
      await tx.run(
        'INSERT INTO scheduler_incidents (job_id, kind, ref, detected_at) VALUES (?, ?, ?, ?) ON CONFLICT (job_id, kind, ref) DO NOTHING',
        [i.jobId, i.kind, i.ref, options.now.toISOString()],
      );
  });
  const pending: Incident[] = [];
  for (const i of incidents) {
    const open = await store.get(
      'SELECT 1 AS x FROM scheduler_incidents WHERE job_id = ? AND kind = ? AND ref = ? AND alerted_at IS NULL',
      [i.jobId, i.kind, i.ref],
    );
    if (open) pending.push(i);
  }
  const configured = [settings?.schedulerRecipient ?? '', settings?.schedulerRecipient2 ?? '']
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const invalidRecipients = configured.filter((r) => !parseAddress(r));
  const recipients = configured.filter((r) => parseAddress(r));
  const base = { incidents, invalidRecipients, failed: [] as FailedAlert[] };
  if (pending.length === 0) return { ...base, alerted: [], alertsMissed: false };
  if (!settings || recipients.length === 0 || settings.from === '') {
    const reason =
      invalidRecipients.length > 0 && recipients.length === 0
        ? `the scheduler recipient${invalidRecipients.length > 1 ? 's' : ''} ${invalidRecipients.map((r) => JSON.stringify(headerSafeJobName(r))).join(' and ')} ${invalidRecipients.length > 1 ? 'are not valid e-mail addresses' : 'is not a valid e-mail address'}: correct it in the SMTP settings (Scheduler E-Mailempfänger)`
        : 'no scheduler recipients or sender configured in the SMTP settings';
    return { ...base, alerted: [], notAlertedReason: reason, alertsMissed: true };
  }
  const alerted: Incident[] = [];
  const failed: FailedAlert[] = [];
  let serverDown: string | undefined;
  for (const incident of pending) {
    if (serverDown !== undefined) {
      failed.push({ incident, reason: `not tried: ${serverDown}` });
      continue;
    }
    const escaped = headerSafeJobName(incident.jobName) !== incident.jobName;
    const wording = schedulerAlertWording(incident, options.timeZone);
    const claim =
      options.owner === undefined
        ? undefined
        : { incidentKey: schedulerIncidentKey(incident), channel: 'mail', owner: options.owner, now: options.now };
    // another monitor sends (or sent) this one: not ours to send
    if (claim && !(await claimAlert(store, { ...claim, ttlMs: MAIL_CLAIM_TTL_MS }))) continue;
    try {
      await send({
        from: { name: 'iX-Haus plus Scheduler', address: settings.from },
        to: recipients.map((address) => ({ address })),
        subject: wording.subject,
        text: [
          ...wording.lines,
          ...(escaped
            ? [
                'Der gespeicherte Name der Aufgabe enthält Zeilenumbrüche oder NUL-Zeichen (hier als \\r, \\n, \\u0000 gezeigt); bitte korrigieren Sie ihn.',
              ]
            : []),
          '',
          ...wording.facts.map(([label, value]) => `${label}: ${value}`),
          '',
        ].join('\r\n'),
        source: `scheduler job ${incident.jobId}`,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      failed.push({ incident, reason });
      if (claim) await markAlertFailed(store, claim, reason, []);
      if (connectionLevel(error)) serverDown = reason;
      continue;
    }
    if (claim) await markAlertSent(store, claim, []);
    await store.run('UPDATE scheduler_incidents SET alerted_at = ? WHERE job_id = ? AND kind = ? AND ref = ?', [
      options.now.toISOString(),
      incident.jobId,
      incident.kind,
      incident.ref,
    ]);
    alerted.push(incident);
  }
  return {
    incidents,
    alerted,
    failed,
    invalidRecipients,
    alertsMissed: failed.length > 0 || invalidRecipients.length > 0,
  };
}
