/**
 * What the monitor alerts about (issue 21 "Every alert kind … goes to every configured channel"): an incident found
 * by one {@link MonitorCheck} — a scheduler job not started when due or blocked, a license or module about to
 * expire, an OAuth client secret about to expire. The checks themselves live with their feature (scheduler,
 * license, mail); this module only fixes the shape they hand to the alert channels.
 */
import type { AsyncStore } from '../store/asyncStore';

/** The alert kinds a check reports (the `kind` of the generic JSON POST). */
export type AlertKind =
  | 'scheduler'
  | 'license-expiry'
  | 'module-expiry'
  | 'secret-expiry'
  | 'test'
  /** the monitor about itself: its store unusable / usable again (src/core/alerts/storeWatchdog.ts) */
  | 'monitor';

/** One incident to alert, once per channel. */
export interface AlertIncident {
  /**
   * Stable identity of the incident across cycles and processes (1–300 characters), e.g.
   * `scheduler:not-started:12:2026-11-02T01:00:00.000Z`: the same incident found again must give the same key, a
   * new incident a new one. It is the claim key in the store, the `incident` of the JSON POST and the
   * `Idempotency-Key` of the webhook requests.
   */
  readonly key: string;
  readonly kind: AlertKind;
  /** one line (German, as the administrators read it), e.g. `iX-Scheduler: Aufgabe "Sollstellung" nicht gestartet` */
  readonly subject: string;
  /** the message body (German, plain text, may hold line breaks) */
  readonly text: string;
  /** when the incident happened (ISO-8601 UTC): the due time, the run start, the expiry date */
  readonly at: string;
  /** extra facts for the Teams card (label → value, in order); optional */
  readonly facts?: ReadonlyArray<readonly [string, string]>;
}

/**
 * One check of the monitor: reads the store at `now` and returns the incidents that are due for an alert now
 * (already alerted ones may be returned again: the claims make sure each is sent once per channel).
 * @throws whatever the feature throws; the monitor logs it, records it as the cycle's error and runs the other checks
 */
export type MonitorCheck = (store: AsyncStore, now: Date) => Promise<AlertIncident[]>;

/** A named check (the name appears in the log and the status line). */
export interface NamedCheck {
  readonly name: string;
  readonly run: MonitorCheck;
}
