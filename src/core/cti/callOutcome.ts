/** How a finished call went, and its shape for `cti listen --json` / `cti journal --json` (issue 16). */
import { isoWithOffset } from './callTime';
import type { CallEvent } from './provider';

/** Default time within which an unanswered call that ends counts as blocked, not missed (issue 16 §2), in ms. */
export const DEFAULT_BLOCKED_CALL_MS = 500;

/** How a finished call went (issue 16 "A journal that is true"). */
export type CallOutcome = 'answered' | 'missed' | 'blocked' | 'busy' | 'unanswered';

/**
 * A finished call as the telephone system saw it; times are ISO 8601 with the Europe/Berlin offset
 * (`2023-09-25T09:54:59+02:00`), `durationSeconds` as the PBX states it (Fritz!Box: talk time), null where unknown.
 * This is the shape of `cti listen --json` (one line per call) and `cti journal --json`.
 */
export interface FinishedCall {
  readonly callId: string;
  readonly direction: 'in' | 'out';
  readonly outcome: CallOutcome;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly endedAt: string | null;
  readonly durationSeconds: number | null;
  readonly ownNumber: string | null;
  readonly line: string | null;
  readonly extension: string | null;
  /** the remote number as delivered; '' = suppressed */
  readonly remote: string;
}

/** The {@link FinishedCall} of a call's last event. */
export function finishedCall(event: CallEvent, outcome: CallOutcome): FinishedCall {
  const lost = event.cause === 'lost';
  return {
    callId: event.callId,
    direction: event.direction,
    outcome,
    startedAt: isoWithOffset(event.startedAt ?? event.at),
    answeredAt: event.answeredAt ? isoWithOffset(event.answeredAt) : null,
    endedAt: lost ? null : isoWithOffset(event.at),
    durationSeconds: lost || event.durationSeconds === undefined ? null : event.durationSeconds,
    ownNumber: event.own || null,
    line: event.line ?? null,
    extension: event.extension ?? null,
    remote: event.remote,
  };
}
