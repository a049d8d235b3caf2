/**
 * Ties a provider to the store (product.md §7 "Incoming call", issue 9 §3/§6): filters the events of the user's
 * line, looks the caller up, raises one alert per call (on ringing, or on connect when
 * `PlusGlobalCTIReactionAbhebebHoerer` is on), updates it when a late caller id arrives (C25), and keeps the
 * Anrufjournal. Gating (CTI on, user has a line) is the caller's job via {@link ctiGate}.
 */
import type { Store } from '../store/database';
import type { Logger } from '../log';
import { IxError, msg } from '../errors';
import type { CtiSettings, LookupResult } from './callerLookup';
import { lookupCaller, readCtiSettings } from './callerLookup';
import { dialString, maskNumber } from './phoneNumber';
import type { CallEvent, CtiProvider, DialOutcome } from './provider';
import { Emitter } from '../emitter';

/** An alert to show: the call and what the lookup found. `update` = the same call with a newer caller id. */
export interface CallAlert {
  readonly kind: 'new' | 'update';
  readonly event: CallEvent;
  readonly lookup: LookupResult;
}

/** Whether CTI alerts apply to a user (issue 9 §3): CTI on and the user has chosen a line. */
export function ctiGate(store: Store, userId: number): { active: boolean; line: string | undefined; reason: 'off' | 'no-line' | undefined } {
  const settings = readCtiSettings(store);
  const line = store.scalar('SELECT cti_line FROM users WHERE id = ?', [userId]);
  const userLine = typeof line === 'string' && line !== '' ? line : undefined;
  if (!settings.enabled) return { active: false, line: userLine, reason: 'off' };
  if (!userLine) return { active: false, line: undefined, reason: 'no-line' };
  return { active: true, line: userLine, reason: undefined };
}

/** Options of {@link CtiSession}. */
export interface CtiSessionOptions {
  /** the signed-in user (journal rows, remembered picks) */
  readonly userId?: number;
  /** only events of this line alert (undefined = all lines, e.g. the CLI) */
  readonly line?: string;
  readonly log: Logger;
  /** settings override (tests, CLI); default read from the store */
  readonly settings?: Partial<CtiSettings>;
  /** write the Anrufjournal (default true; the store must be writable) */
  readonly journal?: boolean;
}

/** True when a provider's line name denotes the user's line (`PJSIP/201` ~ `201`, case-insensitive). */
export function sameLine(eventLine: string | undefined, userLine: string): boolean {
  if (!eventLine) return false;
  const a = eventLine.toLowerCase();
  const b = userLine.toLowerCase();
  return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
}

/** A running CTI session. Dispose with {@link stop}. */
export class CtiSession {
  readonly settings: CtiSettings;
  private readonly alerts = new Emitter<[CallAlert]>();
  private readonly calls = new Emitter<[CallEvent]>();
  private readonly alerted = new Set<string>();
  private readonly unsubscribe: () => void;

  constructor(private readonly store: Store, readonly provider: CtiProvider, private readonly options: CtiSessionOptions) {
    this.settings = { ...readCtiSettings(store), ...options.settings };
    this.unsubscribe = provider.onEvent((event) => this.onEvent(event));
  }

  /** Alerts (new call / caller update). */
  onAlert(listener: (alert: CallAlert) => void): () => void {
    return this.alerts.on(listener);
  }
  /** Every call event of the user's line (journal views refresh on it). */
  onCall(listener: (event: CallEvent) => void): () => void {
    return this.calls.on(listener);
  }

  stop(): void {
    this.unsubscribe();
  }

  private relevant(event: CallEvent): boolean {
    return this.options.line === undefined || sameLine(event.line, this.options.line);
  }

  private onEvent(event: CallEvent): void {
    if (!this.relevant(event)) return;
    try {
      if (this.options.journal !== false && !this.store.readOnly) this.journal(event);
    } catch (error) {
      this.options.log.error(`journal: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.calls.emit(event);
    if (event.direction !== 'in') return;
    const trigger = this.settings.alertOnAnswer ? 'connected' : 'ringing';
    if (event.kind === trigger && !this.alerted.has(event.callId)) {
      this.alerted.add(event.callId);
      if (this.alerted.size > 1000) this.alerted.delete(this.alerted.values().next().value as string);
      this.alert('new', event);
    } else if (event.kind === 'callerUpdated' && this.alerted.has(event.callId)) {
      this.alert('update', event);
    }
  }

  private alert(kind: 'new' | 'update', event: CallEvent): void {
    const lookup = lookupCaller(this.store, event.remote, { internalMaxDigits: this.settings.internalMaxDigits, areaCode: this.settings.areaCode, userId: this.options.userId });
    this.options.log.info(`call ${event.callId} from ${event.remote === '' ? 'suppressed' : maskNumber(event.remote)}: ${lookup.outcome}${lookup.outcome === 'matched' ? ` (${lookup.matches.length})` : ''}`);
    this.alerts.emit({ kind, event, lookup });
  }

  private journal(event: CallEvent): void {
    const at = event.at.toISOString();
    const existing = this.store.get<{ id: number; state: string }>('SELECT id, state FROM call_journal WHERE call_id = ?', [event.callId]);
    if (event.kind === 'ringing' || event.kind === 'outgoing') {
      if (existing) return;
      const lookup = event.remote === '' ? undefined : lookupCaller(this.store, event.remote, { internalMaxDigits: this.settings.internalMaxDigits, areaCode: this.settings.areaCode });
      const first = lookup?.outcome === 'matched' ? lookup.matches[0] : undefined;
      const user = lookup?.outcome === 'internal' ? lookup.users[0] : undefined;
      this.store.run(
        'INSERT INTO call_journal (started_at, direction, state, remote_number, line, user_id, match_kind, match_id, call_id, match_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [at, event.direction, event.kind === 'outgoing' ? 'connected' : 'ringing', event.remote === '' ? null : event.remote, event.line ?? null, this.options.userId ?? null, first?.origin ?? (user ? 'user' : null), first?.partyId ?? user?.userId ?? null, event.callId, first?.name ?? user?.name ?? null],
      );
      return;
    }
    if (!existing) return;
    if (event.kind === 'connected') this.store.run("UPDATE call_journal SET state = 'connected' WHERE id = ?", [existing.id]);
    else if (event.kind === 'ended' || event.kind === 'missed') this.store.run('UPDATE call_journal SET state = ?, ended_at = ? WHERE id = ?', [event.kind, at, existing.id]);
    else if (event.kind === 'callerUpdated') {
      const lookup = lookupCaller(this.store, event.remote, { internalMaxDigits: this.settings.internalMaxDigits, areaCode: this.settings.areaCode });
      const first = lookup.outcome === 'matched' ? lookup.matches[0] : undefined;
      this.store.run('UPDATE call_journal SET remote_number = ?, match_kind = ?, match_id = ?, match_name = ? WHERE id = ?', [event.remote, first?.origin ?? null, first?.partyId ?? null, first?.name ?? null, existing.id]);
    }
  }

  /**
   * Dials `number` from the user's line with the outside-line prefix (cti-protocols.md "Dialing"). Marks missed
   * calls from that number as called back. @throws IxError for a number that cannot be dialled
   */
  async dial(number: string): Promise<{ dialString: string; outcome: DialOutcome }> {
    const text = dialString(number, { maxInternal: this.settings.internalMaxDigits, outsidePrefix: this.settings.outsidePrefix, areaCode: this.settings.areaCode });
    const outcome = await this.provider.dial(text, this.options.line);
    if (!this.store.readOnly) markCalledBack(this.store, number, new Date(), this.settings.areaCode);
    return { dialString: text, outcome };
  }
}

/** One row of the Anrufjournal. */
export interface JournalEntry {
  readonly id: number;
  readonly startedAt: string;
  readonly endedAt: string | null;
  readonly direction: 'in' | 'out';
  readonly state: 'ringing' | 'connected' | 'ended' | 'missed';
  readonly remoteNumber: string | null;
  readonly line: string | null;
  readonly matchKind: string | null;
  readonly matchId: number | null;
  readonly matchName: string | null;
  /** a missed call that was not called back yet */
  readonly open: boolean;
}

/** The newest `limit` journal rows of a user (all users when undefined). */
export function listJournal(store: Store, options: { userId?: number; limit?: number } = {}): JournalEntry[] {
  const where = options.userId === undefined ? '' : 'WHERE user_id = ?';
  const params = options.userId === undefined ? [options.limit ?? 200] : [options.userId, options.limit ?? 200];
  return store
    .all<{ id: number; started_at: string; ended_at: string | null; direction: string; state: string; remote_number: string | null; line: string | null; match_kind: string | null; match_id: number | null; match_name: string | null; called_back_at: string | null }>(
      `SELECT id, started_at, ended_at, direction, state, remote_number, line, match_kind, match_id, match_name, called_back_at FROM call_journal ${where} ORDER BY started_at DESC, id DESC LIMIT ?`,
      params,
    )
    .map((r) => ({ id: r.id, startedAt: r.started_at, endedAt: r.ended_at, direction: r.direction as 'in' | 'out', state: r.state as JournalEntry['state'], remoteNumber: r.remote_number, line: r.line, matchKind: r.match_kind, matchId: r.match_id, matchName: r.match_name, open: r.state === 'missed' && r.called_back_at === null }));
}

/**
 * Marks the missed calls from `number` (compared in E.164) as called back; returns how many. Numbers that cannot
 * be normalised are compared as typed.
 */
export function markCalledBack(store: Store, number: string, now: Date = new Date(), areaCode?: string): number {
  const target = lookupKey(number, areaCode);
  const rows = store.all<{ id: number; remote_number: string }>("SELECT id, remote_number FROM call_journal WHERE state = 'missed' AND called_back_at IS NULL AND remote_number IS NOT NULL");
  let marked = 0;
  for (const row of rows) {
    if (lookupKey(row.remote_number, areaCode) === target) {
      store.run('UPDATE call_journal SET called_back_at = ? WHERE id = ?', [now.toISOString(), row.id]);
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
    super('E_CTI_NO_LINE_CHOSEN', msg('You have not chosen a CTI line, so no calls can be shown or placed. Choose your line under Meine Daten (CTI-Kopplung).'));
  }
}
