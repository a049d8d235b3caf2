/**
 * Ties a provider to the store (product.md §7 "Incoming call", issue 9 §3/§6): filters the events of the user's
 * line, looks the caller up, raises one alert per call (on ringing, or on connect when
 * `PlusGlobalCTIReactionAbhebebHoerer` is on), updates it when a late caller id arrives (C25), and keeps the
 * Anrufjournal. Gating (CTI on, user has a line) is the caller's job via `ctiGate` (ctiLine.ts).
 */
import type { AsyncStore } from '../store/asyncStore';
import { scalar } from '../store/asyncQueries';
import type { Logger } from '../log';
import type { CtiSettings, LookupResult } from './callerLookup';
import { lookupCaller, readCtiSettings } from './callerLookup';
import { journalHistoryCall, markCalledBack, writeJournalEvent } from './callJournal';
import type { CallOutcome, FinishedCall } from './callOutcome';
import { DEFAULT_BLOCKED_CALL_MS, finishedCall } from './callOutcome';
import { sameLine } from './ctiLine';
import { dialString, maskNumber } from './phoneNumber';
import type { CallEvent, CtiProvider, DialOutcome, HistoryCall } from './provider';
import { Emitter } from '../emitter';

/** An alert to show: the call and what the lookup found. `update` = the same call with a newer caller id. */
export interface CallAlert {
  readonly kind: 'new' | 'update';
  readonly event: CallEvent;
  readonly lookup: LookupResult;
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

  /** One journal write per event: the row is created by the call's first event of the user's line, then updated. */
  private async journal(event: CallEvent, outcome: CallOutcome | undefined): Promise<void> {
    // one short transaction per event; the file is saved soon after, not per event (a store of 1M parties takes
    // seconds to save, and calls come in bursts)
    await this.store.transaction((tx) => writeJournalEvent(tx, event, outcome, this.options.userId, this.settings), {
      deferSave: true,
    });
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
        if (await journalHistoryCall(tx, c, this.options.userId, this.settings)) added++;
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
