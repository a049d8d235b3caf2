/**
 * The Anrufjournal (issue 16): the rows a CTI session writes per call event and per call imported from the
 * telephone system's list, and reading and editing them (list, notes, called back).
 */
import type { AsyncQueryable, AsyncTransaction } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import { IxError, msg } from '../errors';
import type { CtiSettings } from './callerLookup';
import { lookupCaller } from './callerLookup';
import { isoWithOffset } from './callTime';
import type { CallOutcome } from './callOutcome';
import { dialString } from './phoneNumber';
import type { CallEvent, HistoryCall } from './provider';

/** The CTI settings a journal row's lookup uses. */
type JournalSettings = Pick<CtiSettings, 'internalMaxDigits' | 'areaCode'>;

/** What the lookup finds for a journal row's remote number (first match, or the internal user). */
async function journalMatch(
  q: AsyncQueryable,
  remote: string,
  settings: JournalSettings,
): Promise<{ kind: string | null; id: number | null; name: string | null }> {
  if (remote === '') return { kind: null, id: null, name: null };
  const lookup = await lookupCaller(q, remote, {
    internalMaxDigits: settings.internalMaxDigits,
    areaCode: settings.areaCode,
  });
  const first = lookup.outcome === 'matched' ? lookup.matches[0] : undefined;
  const user = lookup.outcome === 'internal' ? lookup.users[0] : undefined;
  return {
    kind: first?.origin ?? (user ? 'user' : null),
    id: first?.partyId ?? user?.userId ?? null,
    name: first?.name ?? user?.name ?? null,
  };
}

/** One journal write per event: the row is created by the call's first event of the user's line, then updated. */
export async function writeJournalEvent(
  tx: AsyncTransaction,
  event: CallEvent,
  outcome: CallOutcome | undefined,
  userId: number | undefined,
  settings: JournalSettings,
): Promise<void> {
  const existing = await tx.get<{ id: number }>('SELECT id FROM call_journal WHERE call_id = ?', [event.callId]);
  const state = outcome
    ? outcome === 'missed' || outcome === 'busy'
      ? event.direction === 'in'
        ? 'missed'
        : 'ended'
      : 'ended'
    : event.kind === 'connected' || event.kind === 'outgoing'
      ? 'connected'
      : 'ringing';
  const startedAt = isoWithOffset(event.startedAt ?? event.at);
  const answeredAt = event.answeredAt ? isoWithOffset(event.answeredAt) : null;
  const endedAt = outcome && event.cause !== 'lost' ? isoWithOffset(event.at) : null;
  const duration =
    outcome && event.durationSeconds !== undefined && event.cause !== 'lost' ? event.durationSeconds : null;
  if (!existing) {
    const match = await journalMatch(tx, event.remote, settings);
    await tx.run(
      'INSERT INTO call_journal (started_at, direction, state, remote_number, line, user_id, match_kind, match_id, call_id, match_name, answered_at, ended_at, duration_seconds, outcome, own_number, extension) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        startedAt,
        event.direction,
        state,
        event.remote === '' ? null : event.remote,
        event.line ?? null,
        userId ?? null,
        match.kind,
        match.id,
        event.callId,
        match.name,
        answeredAt,
        endedAt,
        duration,
        outcome ?? null,
        event.own || null,
        event.extension ?? null,
      ],
    );
    return;
  }
  if (event.kind === 'callerUpdated') {
    const match = await journalMatch(tx, event.remote, settings);
    await tx.run(
      'UPDATE call_journal SET remote_number = ?, match_kind = ?, match_id = ?, match_name = ? WHERE id = ?',
      [event.remote, match.kind, match.id, match.name, existing.id],
    );
    return;
  }
  await tx.run(
    'UPDATE call_journal SET state = ?, answered_at = coalesce(?, answered_at), ended_at = ?, duration_seconds = ?, outcome = ?, extension = coalesce(?, extension), own_number = coalesce(own_number, ?) WHERE id = ?',
    [state, answeredAt, endedAt, duration, outcome ?? null, event.extension ?? null, event.own || null, existing.id],
  );
}

/**
 * Journals one call of the telephone system's own list (calls missed while nobody listened, issue 16) unless the
 * journal has it already: same call id, or same direction, number and minute. Returns whether a row was added.
 */
export async function journalHistoryCall(
  tx: AsyncTransaction,
  c: HistoryCall,
  userId: number | undefined,
  settings: JournalSettings,
): Promise<boolean> {
  const started = isoWithOffset(c.startedAt);
  if ((await scalar(tx, 'SELECT 1 FROM call_journal WHERE call_id = ?', [c.callId])) !== undefined) return false;
  // same direction, number and minute (within ±1 min): compared here, the times carry offsets
  const startedMs = c.startedAt.getTime();
  const sameMinute = (
    await tx.query<{ started_at: string }>(
      "SELECT started_at FROM call_journal WHERE direction = ? AND coalesce(remote_number, '') = ?",
      [c.direction, c.remote],
    )
  ).some(
    (r) =>
      Math.abs(Date.parse(r.started_at) - startedMs) <= 60_000 && r.started_at.slice(0, 16) === started.slice(0, 16),
  );
  if (sameMinute) return false;
  const outcome: CallOutcome =
    c.direction === 'out'
      ? c.answered
        ? 'answered'
        : 'unanswered'
      : c.answered
        ? 'answered'
        : c.cause === 'rejected'
          ? 'blocked'
          : c.cause === 'busy'
            ? 'busy'
            : 'missed';
  const match = await journalMatch(tx, c.remote, settings);
  await tx.run(
    'INSERT INTO call_journal (started_at, direction, state, remote_number, line, user_id, match_kind, match_id, call_id, match_name, answered_at, ended_at, duration_seconds, outcome, own_number, extension) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)',
    [
      started,
      c.direction,
      outcome === 'missed' || (outcome === 'busy' && c.direction === 'in') ? 'missed' : 'ended',
      c.remote === '' ? null : c.remote,
      c.line ?? null,
      userId ?? null,
      match.kind,
      match.id,
      c.callId,
      match.name,
      c.durationSeconds,
      outcome,
      c.own || null,
      c.extension ?? null,
    ],
  );
  return true;
}

/** One row of the Anrufjournal. Times ISO 8601 (with the Europe/Berlin offset since schema 8; older rows UTC). */
export interface JournalEntry {
  readonly id: number;
  readonly callId: string | null;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly endedAt: string | null;
  /** seconds as the telephone system stated them */
  readonly durationSeconds: number | null;
  readonly direction: 'in' | 'out';
  readonly state: 'ringing' | 'connected' | 'ended' | 'missed';
  /** null while the call runs (and for rows written before schema 8) */
  readonly outcome: CallOutcome | null;
  readonly remoteNumber: string | null;
  readonly ownNumber: string | null;
  readonly line: string | null;
  readonly extension: string | null;
  readonly userId: number | null;
  readonly matchKind: string | null;
  readonly matchId: number | null;
  readonly matchName: string | null;
  readonly note: string | null;
  /** a missed call (or a caller who got busy) that was not called back yet */
  readonly open: boolean;
}

type JournalRow = {
  id: number;
  call_id: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  duration_seconds: number | null;
  direction: string;
  state: string;
  outcome: string | null;
  remote_number: string | null;
  own_number: string | null;
  line: string | null;
  extension: string | null;
  user_id: number | null;
  match_kind: string | null;
  match_id: number | null;
  match_name: string | null;
  note: string | null;
  called_back_at: string | null;
};

/** A missed call to call back: state missed and (older rows) no outcome, or missed/busy. */
const OPEN_SQL = "state = 'missed' AND (outcome IS NULL OR outcome IN ('missed', 'busy'))";

/** The widest spread of UTC offsets (−12:00 … +14:00), in ms. */
const MAX_OFFSET_SPREAD_MS = 26 * 3_600_000;

/**
 * The newest `limit` journal rows of a user (all users when undefined), newest first by the instant.
 * `started_at` is ISO 8601 with the PBX's UTC offset, so its text order is local-time order, not instant order, and
 * neither dialect's date functions run on the other (dialect-neutral SQL, asyncStore.ts). A row whose local time
 * lies more than {@link MAX_OFFSET_SPREAD_MS} below the `limit`-th newest local time is older, as an instant, than
 * all of those `limit` rows; so the rows down to there are read (an index range) and ordered by the instant here.
 */
export async function listJournal(
  store: AsyncQueryable,
  options: { userId?: number; limit?: number } = {},
): Promise<JournalEntry[]> {
  const limit = options.limit ?? 200;
  if (limit <= 0) return [];
  const byUser = options.userId === undefined ? [] : [options.userId];
  const boundary = await store.get<{ started_at: string }>(
    `SELECT started_at FROM call_journal ${byUser.length ? 'WHERE user_id = ?' : ''} ORDER BY started_at DESC LIMIT 1 OFFSET ?`,
    [...byUser, limit - 1],
  );
  // the local date and time of the boundary (the first 19 characters of any ISO 8601 form), minus the spread
  const floor = boundary
    ? new Date(Date.parse(`${boundary.started_at.slice(0, 19)}Z`) - MAX_OFFSET_SPREAD_MS).toISOString().slice(0, 19)
    : '';
  const rows = await store.query<JournalRow>(
    `SELECT id, call_id, started_at, answered_at, ended_at, duration_seconds, direction, state, outcome, remote_number, own_number, line, extension, user_id, match_kind, match_id, match_name, note, called_back_at FROM call_journal WHERE ${byUser.length ? 'user_id = ? AND ' : ''}started_at >= ?`,
    [...byUser, floor],
  );
  rows.sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at) || b.id - a.id);
  return rows.slice(0, limit).map((r) => ({
    id: r.id,
    callId: r.call_id,
    startedAt: r.started_at,
    answeredAt: r.answered_at,
    endedAt: r.ended_at,
    durationSeconds: r.duration_seconds,
    direction: r.direction as 'in' | 'out',
    state: r.state as JournalEntry['state'],
    outcome: r.outcome as CallOutcome | null,
    remoteNumber: r.remote_number,
    ownNumber: r.own_number,
    line: r.line,
    extension: r.extension,
    userId: r.user_id,
    matchKind: r.match_kind,
    matchId: r.match_id,
    matchName: r.match_name,
    note: r.note,
    open:
      r.state === 'missed' &&
      (r.outcome === null || r.outcome === 'missed' || r.outcome === 'busy') &&
      r.called_back_at === null,
  }));
}

/**
 * Sets (or clears, with '') the note of one of the user's own journal rows (issue 16), at most 500 characters.
 * @throws IxError E_CTI_NOTE (too long; not the user's row or no such row)
 */
export async function setJournalNote(
  store: AsyncQueryable,
  userId: number,
  journalId: number,
  note: string,
): Promise<void> {
  const text = note.trim();
  if (text.length > 500)
    throw new IxError(
      'E_CTI_NOTE',
      msg('A call note may have at most 500 characters (this one has {0}). Shorten it.'),
      [text.length],
    );
  const changed = (
    await store.run('UPDATE call_journal SET note = ? WHERE id = ? AND user_id = ?', [
      text === '' ? null : text,
      journalId,
      userId,
    ])
  ).changes;
  if (changed !== 1)
    throw new IxError('E_CTI_NOTE', msg('There is no call {0} in your Anrufjournal. Refresh the view and try again.'), [
      journalId,
    ]);
}

/**
 * Marks the missed calls from `number` (compared in E.164) as called back; returns how many. Numbers that cannot
 * be normalised are compared as typed.
 */
export async function markCalledBack(
  store: AsyncQueryable,
  number: string,
  now: Date = new Date(),
  areaCode?: string,
): Promise<number> {
  const target = lookupKey(number, areaCode);
  const rows = await store.query<{ id: number; remote_number: string }>(
    `SELECT id, remote_number FROM call_journal WHERE ${OPEN_SQL} AND called_back_at IS NULL AND remote_number IS NOT NULL`,
  );
  let marked = 0;
  for (const row of rows) {
    if (lookupKey(row.remote_number, areaCode) === target) {
      await store.run('UPDATE call_journal SET called_back_at = ? WHERE id = ?', [now.toISOString(), row.id]);
      marked++;
    }
  }
  return marked;
}

function lookupKey(number: string, areaCode: string | undefined): string {
  try {
    // reuse the dial normalisation: national digits without prefix
    return dialString(number, { maxInternal: 0, outsidePrefix: '', areaCode });
  } catch (error) {
    if (error instanceof IxError) return number.replace(/\D/g, '');
    throw error;
  }
}
