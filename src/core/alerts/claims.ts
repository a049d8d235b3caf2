/**
 * Exactly-once claims of alerts in the store (issue 21 "Exactly once"; table `alert_claims`, schema v10), written
 * against the async store only (dialect-neutral SQL, src/core/store/asyncStore.ts), so the same code serves the
 * file store and PostgreSQL.
 *
 * A monitor claims (incident, channel) before it sends and marks the claim sent or failed afterwards:
 * - {@link claimAlert} wins only for one claimant: `INSERT … ON CONFLICT DO NOTHING RETURNING` creates the claim;
 *   when the row exists, a conditional `UPDATE … WHERE sent_at IS NULL AND expires_at <= now` takes over a claim
 *   that expired unsent (its monitor was killed between claim and send, or its send failed). On PostgreSQL two
 *   transactions racing for the same row serialise on the primary key / row lock, and the loser's UPDATE re-checks
 *   its WHERE against the winner's committed row (READ COMMITTED), so it changes nothing; on a file store the one
 *   writer lock serialises the processes. The claim is committed (file: saved) before the function returns, so a
 *   crash right after it leaves a claim that expires — and is then sent by the next monitor.
 * - {@link markAlertSent} / {@link markAlertFailed} finish it (a failed claim is released at once: the next cycle of
 *   any monitor tries again).
 * Every claim, attempt and outcome writes an `audit_log` row (entity `alert`, key = incident key, user none: the
 * monitor acts for the store), in the same transaction as the claim change. Rows name the channel, never a URL.
 */
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import type { WebhookAttempt } from './webhookPost';

/** One claim as stored. */
export interface AlertClaim {
  readonly incidentKey: string;
  readonly channel: string;
  readonly claimedBy: string;
  readonly claimedAt: string;
  readonly expiresAt: string;
  readonly sentAt: string | null;
  /** delivery attempts made so far (HTTP requests, mails) */
  readonly attempts: number;
  readonly lastError: string | null;
}

interface ClaimRow {
  [key: string]: string | number | null;
  incident_key: string;
  channel: string;
  claimed_by: string;
  claimed_at: string;
  expires_at: string;
  sent_at: string | null;
  attempts: number;
  last_error: string | null;
}

function toClaim(row: ClaimRow): AlertClaim {
  return {
    incidentKey: row.incident_key,
    channel: row.channel,
    claimedBy: row.claimed_by,
    claimedAt: row.claimed_at,
    expiresAt: row.expires_at,
    sentAt: row.sent_at,
    attempts: Number(row.attempts),
    lastError: row.last_error,
  };
}

/** Writes one audit row of the alert machinery (action `alert.*`, entity `alert`, no user). */
export async function auditAlert(
  q: AsyncQueryable,
  at: Date,
  action: 'alert.claim' | 'alert.attempt' | 'alert.sent' | 'alert.failed',
  incidentKey: string,
  details: Readonly<Record<string, string | number | boolean | null>>,
): Promise<void> {
  await q.run(
    "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, NULL, ?, 'alert', ?, NULL, ?)",
    [at.toISOString(), action, incidentKey, JSON.stringify(details)],
  );
}

/** Who claims what, when, for how long. */
export interface ClaimRequest {
  readonly incidentKey: string;
  readonly channel: string;
  /** the monitor, e.g. `serve@host:4711` or `vscode@host:4711` (shown in the audit and `--status`) */
  readonly owner: string;
  /** how long the claim holds unsent (ms); must be longer than the channel's whole delivery deadline */
  readonly ttlMs: number;
  readonly now: Date;
}

/**
 * Claims (incident, channel) for `owner`.
 * @returns true when this caller may send now (exactly one caller across processes), false when the alert was sent
 *          already or another monitor holds a claim that has not expired
 */
export async function claimAlert(store: AsyncStore, request: ClaimRequest): Promise<boolean> {
  const { incidentKey, channel, owner, now } = request;
  const at = now.toISOString();
  const expires = new Date(now.getTime() + request.ttlMs).toISOString();
  return store.transaction(async (tx) => {
    const inserted = await tx.query(
      'INSERT INTO alert_claims (incident_key, channel, claimed_by, claimed_at, expires_at, attempts) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (incident_key, channel) DO NOTHING RETURNING incident_key',
      [incidentKey, channel, owner, at, expires],
    );
    if (inserted.length === 1) {
      await auditAlert(tx, now, 'alert.claim', incidentKey, { channel, by: owner, expiresAt: expires });
      return true;
    }
    const previous = await tx.get<{ claimed_by: string; last_error: string | null }>(
      'SELECT claimed_by, last_error FROM alert_claims WHERE incident_key = ? AND channel = ? AND sent_at IS NULL AND expires_at <= ?',
      [incidentKey, channel, at],
    );
    if (!previous) return false;
    const taken = await tx.run(
      'UPDATE alert_claims SET claimed_by = ?, claimed_at = ?, expires_at = ? WHERE incident_key = ? AND channel = ? AND sent_at IS NULL AND expires_at <= ?',
      [owner, at, expires, incidentKey, channel, at],
    );
    if (taken.changes !== 1) return false;
    await auditAlert(tx, now, 'alert.claim', incidentKey, {
      channel,
      by: owner,
      expiresAt: expires,
      // a claim taken over: its monitor died before sending, or its send failed (then last_error says why)
      takenOverFrom: previous.claimed_by,
      previousError: previous.last_error,
    });
    return true;
  });
}

async function auditAttempts(
  tx: AsyncQueryable,
  now: Date,
  incidentKey: string,
  channel: string,
  owner: string,
  attempts: readonly WebhookAttempt[],
): Promise<void> {
  for (const a of attempts)
    await auditAlert(tx, now, 'alert.attempt', incidentKey, {
      channel,
      by: owner,
      attempt: a.attempt,
      outcome: a.outcome,
      status: a.status ?? null,
      reason: a.reason,
      waitMs: a.waitMs ?? null,
      durationMs: a.durationMs,
    });
}

/**
 * Marks a claim sent (with its attempts, audited).
 * @returns false when the claim was no longer this owner's (it expired and another monitor took it: the TTL was
 *          shorter than the delivery took) — the alert went out, and may go out once more from that monitor
 */
export async function markAlertSent(
  store: AsyncStore,
  claim: Omit<ClaimRequest, 'ttlMs'>,
  attempts: readonly WebhookAttempt[],
): Promise<boolean> {
  const { incidentKey, channel, owner, now } = claim;
  return store.transaction(async (tx) => {
    const done = await tx.run(
      'UPDATE alert_claims SET sent_at = ?, attempts = attempts + ?, last_error = NULL WHERE incident_key = ? AND channel = ? AND claimed_by = ? AND sent_at IS NULL',
      [now.toISOString(), attempts.length, incidentKey, channel, owner],
    );
    await auditAttempts(tx, now, incidentKey, channel, owner, attempts);
    await auditAlert(tx, now, 'alert.sent', incidentKey, {
      channel,
      by: owner,
      attempts: attempts.length,
      ownClaim: done.changes === 1,
    });
    return done.changes === 1;
  });
}

/**
 * Marks a claim failed and releases it at once (the next cycle of any monitor tries again), with the reason (it
 * names the channel, never a URL) and the attempts, audited.
 */
export async function markAlertFailed(
  store: AsyncStore,
  claim: Omit<ClaimRequest, 'ttlMs'>,
  reason: string,
  attempts: readonly WebhookAttempt[],
): Promise<void> {
  const { incidentKey, channel, owner, now } = claim;
  await store.transaction(async (tx) => {
    await tx.run(
      'UPDATE alert_claims SET last_error = ?, attempts = attempts + ?, expires_at = ? WHERE incident_key = ? AND channel = ? AND claimed_by = ? AND sent_at IS NULL',
      [reason.slice(0, 1000), attempts.length, now.toISOString(), incidentKey, channel, owner],
    );
    await auditAttempts(tx, now, incidentKey, channel, owner, attempts);
    await auditAlert(tx, now, 'alert.failed', incidentKey, { channel, by: owner, attempts: attempts.length, reason });
  });
}

/** The channels of `incidentKey` that need no claim now: sent already, or claimed by a monitor whose claim holds. */
export async function settledChannels(store: AsyncQueryable, incidentKey: string, now: Date): Promise<Set<string>> {
  const rows = await store.query<{ channel: string }>(
    'SELECT channel FROM alert_claims WHERE incident_key = ? AND (sent_at IS NOT NULL OR expires_at > ?)',
    [incidentKey, now.toISOString()],
  );
  return new Set(rows.map((r) => r.channel));
}

/** Why a channel of an incident needs no claim now (see {@link settledChannelStates}). */
export type SettledState =
  | { readonly state: 'sent'; readonly at: string }
  | { readonly state: 'claimed'; readonly by: string; readonly until: string };

/**
 * Like {@link settledChannels}, with why each channel is settled: sent already (when), or claimed by a monitor whose
 * claim holds (who, until when) — the monitor logs the second kind, since another monitor is sending right now.
 */
export async function settledChannelStates(
  store: AsyncQueryable,
  incidentKey: string,
  now: Date,
): Promise<Map<string, SettledState>> {
  const rows = await store.query<{ channel: string; sent_at: string | null; claimed_by: string; expires_at: string }>(
    'SELECT channel, sent_at, claimed_by, expires_at FROM alert_claims WHERE incident_key = ? AND (sent_at IS NOT NULL OR expires_at > ?)',
    [incidentKey, now.toISOString()],
  );
  return new Map(
    rows.map((r): [string, SettledState] => [
      r.channel,
      r.sent_at !== null
        ? { state: 'sent', at: r.sent_at }
        : { state: 'claimed', by: r.claimed_by, until: r.expires_at },
    ]),
  );
}

/** One claim, or undefined. */
export async function getAlertClaim(
  store: AsyncQueryable,
  incidentKey: string,
  channel: string,
): Promise<AlertClaim | undefined> {
  const row = await store.get<ClaimRow>('SELECT * FROM alert_claims WHERE incident_key = ? AND channel = ?', [
    incidentKey,
    channel,
  ]);
  return row ? toClaim(row) : undefined;
}

/** Claims not sent yet that failed at least once (for `serve --status`), newest first, at most `limit`. */
export async function failedAlertClaims(store: AsyncQueryable, limit = 20): Promise<AlertClaim[]> {
  const rows = await store.query<ClaimRow>(
    'SELECT * FROM alert_claims WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY claimed_at DESC LIMIT ?',
    [limit],
  );
  return rows.map(toClaim);
}
