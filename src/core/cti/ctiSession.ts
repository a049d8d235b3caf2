/**
 * Ties a provider to the store (product.md §7 "Incoming call", issue 9 §3/§6): filters the events of the user's
 * line, looks the caller up, raises one alert per call (on ringing, or on connect when
 * `PlusGlobalCTIReactionAbhebebHoerer` is on), updates it when a late caller id arrives (C25), and keeps the
 * Anrufjournal. Gating (CTI on, user has a line) is the caller's job via {@link ctiGate}.
 */
import type { AsyncQueryable, AsyncStore, AsyncTransaction } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import type { Logger } from '../log';
import { IxError, msg } from '../errors';
import type { CtiSettings, LookupResult } from './callerLookup';
import { lookupCaller, readCtiSettings } from './callerLookup';
import { isoWithOffset } from './callTime';
import { dialString, maskNumber } from './phoneNumber';
import type { CallEvent, CtiProvider, DialOutcome, HistoryCall } from './provider';
import { Emitter } from '../emitter';

/** An alert to show: the call and what the lookup found. `update` = the same call with a newer caller id. */
export interface CallAlert {
  readonly kind: 'new' | 'update';
  readonly event: CallEvent;
  readonly lookup: LookupResult;
}

/** Whether CTI alerts apply to a user (issue 9 §3): CTI on and the user has chosen a line. */
export async function ctiGate(
  store: AsyncQueryable,
  userId: number,
): Promise<{ active: boolean; line: string | undefined; reason: 'off' | 'no-line' | undefined }> {
  const settings = await readCtiSettings(store);
  const line = await scalar(store, 'SELECT cti_line FROM users WHERE id = ?', [userId]);
  const userLine = typeof line === 'string' && line !== '' ? line : undefined;
  if (!settings.enabled) return { active: false, line: userLine, reason: 'off' };
  if (!userLine) return { active: false, line: undefined, reason: 'no-line' };
  return { active: true, line: userLine, reason: undefined };
}

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

/** Options of {@link CtiSession}. */
export interface CtiSessionOptions {
  /** the signed-in user (journal rows, remembered picks) */
  readonly userId?: number;
  /**
   * the user's CTI line: a line (`SIP0`, `PJSIP/201`) or an extension (`10`); a call is the user's once any of its
   * events names it as line or extension (undefined = all calls, e.g. the CLI)
   */
  readonly line?: string;
  readonly log: Logger;
  /** settings override (tests, CLI); default read from the store */
  readonly settings?: Partial<CtiSettings>;
  /** write the Anrufjournal (default true; the store must be writable) */
  readonly journal?: boolean;
  /**
   * an unanswered incoming call that ends within this many ms of ringing is blocked: not announced, not a missed
   * call (issue 16 §2; default {@link DEFAULT_BLOCKED_CALL_MS}; 0 = announce at once). With alert-on-answer no
   * alert waits for it.
   */
  readonly blockedCallMs?: number;
  /** import calls the PBX listed while nobody listened, on each connect (default true where the provider can) */
  readonly importHistory?: boolean;
  /** clock (tests) */
  readonly now?: () => Date;
}

/** True when a provider's line name denotes the user's line (`PJSIP/201` ~ `201`, case-insensitive). */
export function sameLine(eventLine: string | undefined, userLine: string): boolean {
  if (!eventLine) return false;
  const a = eventLine.toLowerCase();
  const b = userLine.toLowerCase();
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/** The state of one call while it runs. */
interface TrackedCall {
  relevant: boolean;
  /**
   * ms clock when the session first saw the call start (the blocked-call test compares arrival times); undefined
   * when the first event seen was its end (the start happened before this session): never "blocked" then
   */
  readonly seenMs: number | undefined;
  alerted: boolean;
  holdTimer: NodeJS.Timeout | undefined;
  last: CallEvent;
}

/** `meta` key prefix of the time up to which a user's CTI listened (the call-list import starts there). */
export const LISTENED_UNTIL_KEY = 'cti.listenedUntil.';

/** A running CTI session. Dispose with {@link stop}. */
export class CtiSession {
  private readonly alerts = new Emitter<[CallAlert]>();
  private readonly calls = new Emitter<[CallEvent]>();
  private readonly finished = new Emitter<[FinishedCall]>();
  private readonly journalChanged = new Emitter<[]>();
  private readonly tracked = new Map<string, TrackedCall>();
  private readonly alerted = new Set<string>();
  private readonly unsubscribe: Array<() => void> = [];
  private readonly seenLines = new Map<string, Date>();
  private stopped = false;
  private listening = false;
  private readonly blockedCallMs: number;
  /** calls imported from the PBX's own list so far (tests, CTI-Test) */
  imported = 0;

  /** events are handled one after the other (each awaits its journal write), in the order the PBX sent them */
  private eventChain: Promise<void> = Promise.resolve();

  private constructor(
    private readonly store: AsyncStore,
    readonly provider: CtiProvider,
    private readonly options: CtiSessionOptions,
    readonly settings: CtiSettings,
  ) {
    this.blockedCallMs = options.blockedCallMs ?? DEFAULT_BLOCKED_CALL_MS;
    this.unsubscribe.push(
      provider.onEvent((event) => {
        this.eventChain = this.eventChain
          .then(() => this.onEvent(event))
          .catch((error: unknown) =>
            this.options.log.error(`call event: ${error instanceof Error ? error.message : String(error)}`),
          );
      }),
    );
    this.unsubscribe.push(
      provider.onStatus((status) => {
        if (status === 'connected') {
          this.listening = true;
          void this.importHistory();
        } else if (this.listening) {
          // the connection was lost: from here on calls are missed unheard (imported on the next connect)
          this.listening = false;
          void this.markListened();
        }
      }),
    );
  }

  /**
   * A session for `provider` on `store`: reads the CTI settings (callerLookup.readCtiSettings; `options.settings`
   * override them) and starts handling the provider's events.
   */
  static async create(store: AsyncStore, provider: CtiProvider, options: CtiSessionOptions): Promise<CtiSession> {
    const settings = { ...(await readCtiSettings(store)), ...options.settings };
    return new CtiSession(store, provider, options, settings);
  }

  /** Resolves when every event received so far has been handled (journal written, alerts emitted). */
  settled(): Promise<void> {
    return this.eventChain;
  }

  /** Alerts (new call / caller update). */
  onAlert(listener: (alert: CallAlert) => void): () => void {
    return this.alerts.on(listener);
  }
  /** Every call event of the user's line (journal views refresh on it). */
  onCall(listener: (event: CallEvent) => void): () => void {
    return this.calls.on(listener);
  }
  /** Each finished call of the user's line, once, with its outcome (`cti listen --json`). */
  onFinished(listener: (call: FinishedCall) => void): () => void {
    return this.finished.on(listener);
  }
  /** The journal changed (a call event or an import); the store needs saving. */
  onJournalChanged(listener: () => void): () => void {
    return this.journalChanged.on(listener);
  }

  /** Lines and extensions the telephone system named in any call since the session started, newest first. */
  linesSeen(): Array<{ name: string; at: Date }> {
    return [...this.seenLines.entries()]
      .map(([name, at]) => ({ name, at }))
      .sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.listening) await this.markListened();
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const t of this.tracked.values()) clearTimeout(t.holdTimer);
    this.tracked.clear();
  }

  private now(): Date {
    return (this.options.now ?? (() => new Date()))();
  }

  private writable(): boolean {
    return this.options.journal !== false && !this.store.readOnly;
  }

  private names(event: CallEvent): boolean {
    const line = this.options.line;
    return line === undefined || sameLine(event.line, line) || sameLine(event.extension, line);
  }

  private async onEvent(event: CallEvent): Promise<void> {
    if (this.stopped) return;
    for (const name of [event.line, event.extension]) {
      if (name) {
        this.seenLines.set(name, event.at);
        if (this.seenLines.size > 32) this.seenLines.delete(this.seenLines.keys().next().value as string);
      }
    }
    const ending = event.kind === 'ended' || event.kind === 'missed';
    let call = this.tracked.get(event.callId);
    if (!call) {
      call = {
        relevant: false,
        seenMs: ending ? undefined : Date.now(),
        alerted: false,
        holdTimer: undefined,
        last: event,
      };
      // a call's end with nothing before it is not tracked (the start happened before this session)
      if (!ending) this.tracked.set(event.callId, call);
    }
    call.last = event;
    // a call is the user's once any event names the user's line or extension (RING: SIP0, CONNECT: 10 — issue 16 §3)
    if (!call.relevant && this.names(event)) call.relevant = true;
    if (!call.relevant) {
      if (ending) this.tracked.delete(event.callId);
      return;
    }
    const outcome = ending ? this.outcomeOf(event, call) : undefined;
    try {
      if (this.writable()) await this.journal(event, outcome);
    } catch (error) {
      this.options.log.error(`journal: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.calls.emit(event);
    if (this.writable()) this.journalChanged.emit();
    if (ending) {
      clearTimeout(call.holdTimer);
      this.tracked.delete(event.callId);
      if (outcome === 'blocked')
        this.options.log.info(
          `call ${event.callId} ended unanswered within ${this.blockedCallMs} ms: blocked, not announced`,
        );
      this.finished.emit(finishedCall(event, outcome ?? 'answered'));
      return;
    }
    if (event.direction !== 'in') return;
    if (event.kind === 'callerUpdated') {
      if (call.alerted) await this.alert('update', event);
      return;
    }
    const trigger = this.settings.alertOnAnswer
      ? event.kind === 'connected'
      : event.kind === 'ringing' || event.kind === 'connected';
    if (!trigger || call.alerted || call.holdTimer) return;
    if (event.kind === 'ringing' && this.blockedCallMs > 0) {
      // hold the alert: a call the box blocks ends within 40–90 ms and must not pop up (issue 16 §2)
      const tracked = call;
      tracked.holdTimer = setTimeout(() => {
        tracked.holdTimer = undefined;
        if (this.stopped || this.tracked.get(event.callId) !== tracked || tracked.alerted) return;
        this.eventChain = this.eventChain
          .then(() => this.alertOnce(tracked, tracked.last))
          .catch((error: unknown) =>
            this.options.log.error(`alert: ${error instanceof Error ? error.message : String(error)}`),
          );
      }, this.blockedCallMs);
      return;
    }
    await this.alertOnce(call, event);
  }

  private async alertOnce(call: TrackedCall, event: CallEvent): Promise<void> {
    if (call.alerted || this.alerted.has(event.callId)) return;
    call.alerted = true;
    this.alerted.add(event.callId);
    if (this.alerted.size > 1000) this.alerted.delete(this.alerted.values().next().value as string);
    await this.alert('new', event);
  }

  private outcomeOf(event: CallEvent, call: TrackedCall): CallOutcome {
    const answered = event.answeredAt !== undefined || (event.kind === 'ended' && event.direction === 'in');
    if (event.direction === 'out')
      return event.answeredAt !== undefined ? 'answered' : event.cause === 'busy' ? 'busy' : 'unanswered';
    if (answered) return 'answered';
    if (event.cause === 'busy') return 'busy';
    if (event.cause === 'rejected') return 'blocked';
    // blocked: ended within the threshold as it arrived here, and (the box's clock counts whole seconds) within
    // the same or the next second by the telephone system's clock, so a late replay of a real call is not "blocked"
    const pbxGapMs = event.at.getTime() - (event.startedAt ?? event.at).getTime();
    if (
      event.cause !== 'lost' &&
      !call.alerted &&
      call.seenMs !== undefined &&
      Date.now() - call.seenMs < this.blockedCallMs &&
      pbxGapMs <= Math.ceil(this.blockedCallMs / 1000) * 1000
    )
      return 'blocked';
    return 'missed';
  }

  private async alert(kind: 'new' | 'update', event: CallEvent): Promise<void> {
    const lookup = await lookupCaller(this.store, event.remote, {
      internalMaxDigits: this.settings.internalMaxDigits,
      areaCode: this.settings.areaCode,
      userId: this.options.userId,
    });
    this.options.log.info(
      `call ${event.callId} from ${event.remote === '' ? 'suppressed' : maskNumber(event.remote)}: ${lookup.outcome}${lookup.outcome === 'matched' ? ` (${lookup.matches.length})` : ''}`,
    );
    this.alerts.emit({ kind, event, lookup });
  }

  private async matchOf(
    remote: string,
    q: AsyncQueryable = this.store,
  ): Promise<{ kind: string | null; id: number | null; name: string | null }> {
    if (remote === '') return { kind: null, id: null, name: null };
    const lookup = await lookupCaller(q, remote, {
      internalMaxDigits: this.settings.internalMaxDigits,
      areaCode: this.settings.areaCode,
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
  private async journal(event: CallEvent, outcome: CallOutcome | undefined): Promise<void> {
    // one short transaction per event; the file is saved soon after, not per event (a store of 1M parties takes
    // seconds to save, and calls come in bursts)
    await this.store.transaction((tx) => this.journalIn(tx, event, outcome), { deferSave: true });
  }

  private async journalIn(tx: AsyncTransaction, event: CallEvent, outcome: CallOutcome | undefined): Promise<void> {
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
      const match = await this.matchOf(event.remote, tx);
      await tx.run(
        'INSERT INTO call_journal (started_at, direction, state, remote_number, line, user_id, match_kind, match_id, call_id, match_name, answered_at, ended_at, duration_seconds, outcome, own_number, extension) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          startedAt,
          event.direction,
          state,
          event.remote === '' ? null : event.remote,
          event.line ?? null,
          this.options.userId ?? null,
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
      const match = await this.matchOf(event.remote, tx);
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

  /** Remembers that the user's CTI listened until now (the next connect imports the PBX's list from here). */
  private async markListened(): Promise<void> {
    if (this.stopped || this.options.userId === undefined || !this.writable() || !this.provider.callHistory) return;
    try {
      const key = `${LISTENED_UNTIL_KEY}${this.options.userId}`;
      const at = this.now().toISOString();
      await this.store.transaction(
        (tx) =>
          tx.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [
            key,
            at,
          ]),
        { deferSave: true },
      );
      this.journalChanged.emit();
    } catch (error) {
      this.options.log.warn(
        `cannot note the listening time: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /**
   * Calls missed while nobody listened (issue 16): on each connect, the PBX's own list from the time the user's CTI
   * last listened up to now is journalled; calls already in the journal (same call id, or same direction, number
   * and minute) are skipped, so a repeated import adds nothing. Asterisk has no such list over AMI (see
   * `asteriskAmi.ts`); nothing is imported there. Returns how many calls were added.
   */
  async importHistory(): Promise<number> {
    const history = this.provider.callHistory?.bind(this.provider);
    if (!history || this.options.importHistory === false || this.options.userId === undefined || !this.writable())
      return 0;
    const key = `${LISTENED_UNTIL_KEY}${this.options.userId}`;
    const sinceText = await scalar(this.store, 'SELECT value FROM meta WHERE key = ?', [key]);
    const until = this.now();
    if (typeof sinceText !== 'string') {
      await this.markListened();
      return 0;
    }
    let calls: readonly HistoryCall[];
    try {
      calls = await history(new Date(sinceText), until);
    } catch (error) {
      this.options.log.warn(
        `calls missed while not listening were not imported: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 0;
    }
    if (this.stopped) return 0;
    let added = 0;
    await this.store.transaction(async (tx) => {
      for (const c of calls) {
        if (
          this.options.line !== undefined &&
          (c.line || c.extension) &&
          !sameLine(c.line, this.options.line) &&
          !sameLine(c.extension, this.options.line)
        )
          continue;
        const started = isoWithOffset(c.startedAt);
        if ((await scalar(tx, 'SELECT 1 FROM call_journal WHERE call_id = ?', [c.callId])) !== undefined) continue;
        // same direction, number and minute (within ±1 min): compared here, the times carry offsets
        const startedMs = c.startedAt.getTime();
        const sameMinute = (
          await tx.query<{ started_at: string }>(
            "SELECT started_at FROM call_journal WHERE direction = ? AND coalesce(remote_number, '') = ?",
            [c.direction, c.remote],
          )
        ).some(
          (r) =>
            Math.abs(Date.parse(r.started_at) - startedMs) <= 60_000 &&
            r.started_at.slice(0, 16) === started.slice(0, 16),
        );
        if (sameMinute) continue;
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
        const match = await this.matchOf(c.remote, tx);
        await tx.run(
          'INSERT INTO call_journal (started_at, direction, state, remote_number, line, user_id, match_kind, match_id, call_id, match_name, answered_at, ended_at, duration_seconds, outcome, own_number, extension) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)',
          [
            started,
            c.direction,
            outcome === 'missed' || (outcome === 'busy' && c.direction === 'in') ? 'missed' : 'ended',
            c.remote === '' ? null : c.remote,
            c.line ?? null,
            this.options.userId ?? null,
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
        added++;
      }
      await tx.run(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
        [key, until.toISOString()],
      );
    });
    this.imported += added;
    this.options.log.info(`${added} call(s) from the telephone system's list while not listening imported`);
    this.journalChanged.emit();
    return added;
  }

  /**
   * Dials `number` from the user's line with the outside-line prefix (cti-protocols.md "Dialing"). Marks missed
   * calls from that number as called back. @throws IxError for a number that cannot be dialled
   */
  async dial(number: string): Promise<{ dialString: string; outcome: DialOutcome }> {
    const text = dialString(number, {
      maxInternal: this.settings.internalMaxDigits,
      outsidePrefix: this.settings.outsidePrefix,
      areaCode: this.settings.areaCode,
    });
    const outcome = await this.provider.dial(text, this.options.line);
    if (!this.store.readOnly) await markCalledBack(this.store, number, new Date(), this.settings.areaCode);
    return { dialString: text, outcome };
  }
}

function finishedCall(event: CallEvent, outcome: CallOutcome): FinishedCall {
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

/** A session needs a provider that knows the user's line. */
export class NoCtiLineError extends IxError {
  constructor() {
    super(
      'E_CTI_NO_LINE_CHOSEN',
      msg(
        'You have not chosen a CTI line, so no calls can be shown or placed. Choose your line under Meine Daten (CTI-Kopplung).',
      ),
    );
  }
}
