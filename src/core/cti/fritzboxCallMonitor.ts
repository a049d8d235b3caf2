/**
 * Fritz!Box call monitor (cti-protocols.md "Fritz!Box call monitor"; field cases C22, C26, C28): TCP port 1012,
 * one `;`-separated event per line. Field mapping per event type (C28): RING remote=3 own=4 line=5; CALL ext=3
 * own=4 remote=5 line=6; CONNECT ext=3 remote=4; DISCONNECT duration=3. Dialing goes through TR-064 where a
 * TR-064 login is configured (`fritzboxTr064.ts`), else {@link FritzboxCallMonitor.dial} returns a `tel:` URI.
 */
import { parsePbxDate } from './callTime';
import { tr064CallList, tr064Dial } from './fritzboxTr064';
import type { Logger } from '../log';
import { Emitter } from '../emitter';
import { LineSplitter } from '../net/lineSplitter';
import { ReconnectingConnection } from '../net/reconnectingConnection';
import type { BackoffOptions, Timers } from '../net/reconnectingConnection';
import type { CallEvent, CtiProvider, DialOutcome, HistoryCall, ProviderStatus } from './provider';

/** The call monitor's default port. */
export const FRITZBOX_PORT = 1012;
/** Longest accepted line (cti-protocols.md). */
export const FRITZBOX_MAX_LINE = 512;

/** One parsed call-monitor line. */
export type FritzLine =
  | {
      readonly type: 'RING';
      readonly date: string;
      readonly connId: string;
      readonly remote: string;
      readonly own: string;
      readonly line: string;
    }
  | {
      readonly type: 'CALL';
      readonly date: string;
      readonly connId: string;
      readonly extension: string;
      readonly own: string;
      readonly remote: string;
      readonly line: string;
    }
  | {
      readonly type: 'CONNECT';
      readonly date: string;
      readonly connId: string;
      readonly extension: string;
      readonly remote: string;
    }
  | { readonly type: 'DISCONNECT'; readonly date: string; readonly connId: string; readonly durationSeconds: number };

/**
 * Parses one line (without the line end). Returns the event, or a string saying why the line is malformed
 * (never throws: the caller logs and skips it).
 */
export function parseFritzLine(text: string): FritzLine | string {
  const fields = text.split(';');
  if (fields[fields.length - 1] === '') fields.pop(); // the trailing ";" (C28)
  const [date = '', type = '', connId = ''] = fields;
  if (!/^\d{2}\.\d{2}\.\d{2} \d{2}:\d{2}:\d{2}$/.test(date)) return 'no date DD.MM.YY HH:MM:SS at the start';
  if (!parsePbxDate(date)) return `no valid date "${date}"`;
  if (!/^\d+$/.test(connId)) return 'no connection id';
  const f = (i: number): string => (fields[i] ?? '').trim();
  switch (type) {
    case 'RING':
      if (fields.length < 5) return 'RING with too few fields';
      return { type, date, connId, remote: f(3), own: f(4), line: f(5) };
    case 'CALL':
      if (fields.length < 6) return 'CALL with too few fields';
      return { type, date, connId, extension: f(3), own: f(4), remote: f(5), line: f(6) };
    case 'CONNECT':
      if (fields.length < 5) return 'CONNECT with too few fields';
      return { type, date, connId, extension: f(3), remote: f(4) };
    case 'DISCONNECT': {
      const duration = Number(f(3));
      if (!/^\d+$/.test(f(3))) return 'DISCONNECT without a duration';
      return { type, date, connId, durationSeconds: duration };
    }
    default:
      return `unknown event type "${type.slice(0, 20)}"`;
  }
}

/** Options of {@link FritzboxCallMonitor}. */
export interface FritzboxOptions {
  readonly host: string;
  readonly port?: number;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  readonly idleTimeoutMs?: number;
  /** deadline of the TCP connect, default 10 s */
  readonly connectTimeoutMs?: number;
  /** how long a connection must stay up before the reconnect backoff resets (default 60 s; tests shorten it) */
  readonly stableMs?: number;
  /** TR-064 login for dialling (port default 49000); without it dialling returns a `tel:` URI */
  readonly tr064?: { readonly port?: number; readonly username: string; readonly password: string };
}

interface OpenCall {
  readonly callId: string;
  readonly direction: 'in' | 'out';
  readonly remote: string;
  readonly own: string;
  readonly line: string;
  extension: string | undefined;
  readonly startedAt: Date;
  answeredAt: Date | undefined;
}

/** Refusal hint (C26 a), logged once per outage. */
export const FRITZBOX_REFUSED_HINT =
  'The Fritz!Box refuses port 1012 — the call monitor is disabled; dial #96*5* on a phone connected to the box.';

/**
 * Fritz!Box call-monitor provider. A call is identified by connId within one RING/CALL…DISCONNECT span; its id is
 * `connId@date`, so the same RING line delivered again after a reconnect does not announce the call twice.
 */
export class FritzboxCallMonitor implements CtiProvider {
  readonly kind = 'fritzbox';
  private readonly events = new Emitter<[CallEvent]>();
  private readonly connection: ReconnectingConnection;
  private readonly splitter: LineSplitter;
  private readonly open = new Map<string, OpenCall>();
  /** lines and extensions the box named in events since the start (Meine Daten shows them) */
  private readonly seenLines = new Set<string>();
  /** malformed lines seen (for tests and the CTI-Test log) */
  malformed = 0;
  /** the box's call list for calls missed while nobody listened: only with a TR-064 login */
  readonly callHistory: ((since: Date, until: Date) => Promise<readonly HistoryCall[]>) | undefined;

  constructor(private readonly options: FritzboxOptions) {
    this.callHistory = options.tr064 ? (since, until) => this.readCallList(since, until) : undefined;
    this.splitter = new LineSplitter(
      FRITZBOX_MAX_LINE,
      (line) => this.onLine(line),
      (prefix) => {
        this.malformed++;
        options.log.warn(`line longer than ${FRITZBOX_MAX_LINE} bytes skipped: ${JSON.stringify(prefix)}…`);
      },
    );
    this.connection = new ReconnectingConnection(
      {
        host: options.host,
        port: options.port ?? FRITZBOX_PORT,
        backoff: options.backoff,
        timers: options.timers,
        idleTimeoutMs: options.idleTimeoutMs,
        connectTimeoutMs: options.connectTimeoutMs,
        stableMs: options.stableMs,
        log: options.log,
        refusedHint: FRITZBOX_REFUSED_HINT,
      },
      {
        onConnected: () => this.splitter.reset(),
        onData: (chunk) => this.splitter.push(chunk),
        onClosed: () => this.splitter.reset(),
      },
    );
  }

  connect(): Promise<void> {
    return this.connection.start();
  }
  disconnect(): Promise<void> {
    return this.connection.stop();
  }
  status(): ProviderStatus {
    return this.connection.current;
  }
  lines(): readonly string[] {
    return [...this.seenLines];
  }

  /** The waits before each reconnect so far (ms). */
  get reconnectWaits(): readonly number[] {
    return this.connection.waits;
  }
  onEvent(listener: (event: CallEvent) => void): () => void {
    return this.events.on(listener);
  }
  onStatus(listener: (status: ProviderStatus, detail?: string) => void): () => void {
    return this.connection.status.on(listener);
  }

  /**
   * Dials through TR-064 when configured (the box rings the Wählhilfe phone first); otherwise hands back a `tel:`
   * URI for the OS to open (cti-protocols.md). @throws Tr064Error
   */
  async dial(dialString: string): Promise<DialOutcome> {
    if (!this.options.tr064) return { kind: 'uri', uri: `tel:${dialString}` };
    await tr064Dial({ host: this.options.host, ...this.options.tr064 }, dialString);
    return { kind: 'placed', reference: 'tr064' };
  }

  /**
   * The box's call list between `since` and `until` through TR-064 `GetCallList` (only with a TR-064 login; the list
   * has minute resolution, so `since` is taken from the start of its minute). Types 9/11 (calls still running) are
   * left out; they come through the monitor. Absent without TR-064 (see `callHistory` of {@link CtiProvider}).
   * @throws Tr064Error
   */
  async readCallList(since: Date, until: Date): Promise<readonly HistoryCall[]> {
    if (!this.options.tr064) return [];
    const days = (until.getTime() - since.getTime()) / 86_400_000 + 1;
    const entries = await tr064CallList({ host: this.options.host, ...this.options.tr064 }, days);
    const from = Math.floor(since.getTime() / 60_000) * 60_000;
    const out: HistoryCall[] = [];
    for (const e of entries) {
      const startedAt = parsePbxDate(e.date);
      if (!startedAt || startedAt.getTime() < from || startedAt.getTime() > until.getTime()) continue;
      if (![1, 2, 3, 10].includes(e.type)) continue;
      const port = e.port === '' || e.port === '-1' ? undefined : e.port;
      out.push({
        callId: `tr064:${e.id}`,
        direction: e.type === 3 ? 'out' : 'in',
        remote: e.remote,
        own: e.own || undefined,
        line: e.device || undefined,
        extension: port,
        startedAt,
        answered: e.type === 1 || (e.type === 3 && e.durationSeconds > 0),
        durationSeconds: e.durationSeconds,
        cause: e.type === 10 ? 'rejected' : undefined,
      });
    }
    return out;
  }

  private emit(kind: CallEvent['kind'], call: OpenCall, at: Date, extra: Partial<CallEvent> = {}): void {
    this.events.emit({
      kind,
      callId: call.callId,
      direction: call.direction,
      remote: call.remote,
      own: call.own,
      line: call.line,
      extension: call.extension,
      at,
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      ...extra,
    });
  }

  private seen(name: string | undefined): void {
    if (name && this.seenLines.size < 64) this.seenLines.add(name);
  }

  private onLine(text: string): void {
    if (text.trim() === '') return;
    const parsed = parseFritzLine(text);
    if (typeof parsed === 'string') {
      this.malformed++;
      this.options.log.warn(`malformed call-monitor line skipped (${parsed})`);
      return;
    }
    // the box's own clock, Europe/Berlin (issue 16 §1); parseFritzLine already refused an invalid date
    const at = parsePbxDate(parsed.date) ?? new Date();
    switch (parsed.type) {
      case 'RING':
      case 'CALL': {
        const callId = `${parsed.connId}@${parsed.date}`;
        const previous = this.open.get(parsed.connId);
        // the same RING/CALL again for a call still open (sent again after a reconnect): not a new call
        if (previous?.callId === callId) return;
        // the box reuses a connId only after DISCONNECT; a new call on an open one means the box restarted
        // mid-call and the old call's end was never sent: close it without an end time (issue 16 "box restart")
        if (previous)
          this.emit(
            previous.direction === 'in' && !previous.answeredAt ? 'missed' : 'ended',
            previous,
            previous.answeredAt ?? previous.startedAt,
            { cause: 'lost' },
          );
        const extension = parsed.type === 'CALL' ? parsed.extension || undefined : undefined;
        const call: OpenCall = {
          callId,
          direction: parsed.type === 'RING' ? 'in' : 'out',
          remote: parsed.remote,
          own: parsed.own,
          line: parsed.line,
          extension,
          startedAt: at,
          answeredAt: undefined,
        };
        this.seen(call.line);
        this.seen(extension);
        this.open.set(parsed.connId, call);
        this.emit(parsed.type === 'RING' ? 'ringing' : 'outgoing', call, at);
        return;
      }
      case 'CONNECT': {
        const call = this.open.get(parsed.connId);
        if (!call) return this.options.log.debug(`CONNECT for unknown connection ${parsed.connId}`);
        if (call.answeredAt) return; // repeated after a reconnect
        call.answeredAt = at;
        // CONNECT names the answering extension (e.g. 10), RING the line (SIP0): both stay on the call (issue 16 §3)
        if (parsed.extension) call.extension = parsed.extension;
        this.seen(parsed.extension);
        this.emit('connected', call, at);
        return;
      }
      case 'DISCONNECT': {
        const call = this.open.get(parsed.connId);
        if (!call) return this.options.log.debug(`DISCONNECT for unknown connection ${parsed.connId}`);
        this.open.delete(parsed.connId);
        this.emit(call.direction === 'in' && !call.answeredAt ? 'missed' : 'ended', call, at, {
          durationSeconds: parsed.durationSeconds,
        });
        return;
      }
    }
  }
}
