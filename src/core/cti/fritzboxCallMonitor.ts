/**
 * Fritz!Box call monitor (cti-protocols.md "Fritz!Box call monitor"; field cases C22, C26, C28): TCP port 1012,
 * one `;`-separated event per line. Field mapping per event type (C28): RING remote=3 own=4 line=5; CALL ext=3
 * own=4 remote=5 line=6; CONNECT ext=3 remote=4; DISCONNECT duration=3. Dialing goes through TR-064 where a
 * TR-064 login is configured (`fritzboxTr064.ts`), else {@link FritzboxCallMonitor.dial} returns a `tel:` URI.
 */
import { tr064Dial } from './fritzboxTr064';
import type { Logger } from '../log';
import { Emitter } from '../emitter';
import { LineSplitter } from '../net/lineSplitter';
import { ReconnectingConnection } from '../net/reconnectingConnection';
import type { BackoffOptions, Timers } from '../net/reconnectingConnection';
import type { CallEvent, CtiProvider, DialOutcome, ProviderStatus } from './provider';

/** The call monitor's default port. */
export const FRITZBOX_PORT = 1012;
/** Longest accepted line (cti-protocols.md). */
export const FRITZBOX_MAX_LINE = 512;

/** One parsed call-monitor line. */
export type FritzLine =
  | { readonly type: 'RING'; readonly date: string; readonly connId: string; readonly remote: string; readonly own: string; readonly line: string }
  | { readonly type: 'CALL'; readonly date: string; readonly connId: string; readonly extension: string; readonly own: string; readonly remote: string; readonly line: string }
  | { readonly type: 'CONNECT'; readonly date: string; readonly connId: string; readonly extension: string; readonly remote: string }
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
  /** clock for event times (tests) */
  readonly now?: () => Date;
  /** TR-064 login for dialling (port default 49000); without it dialling returns a `tel:` URI */
  readonly tr064?: { readonly port?: number; readonly username: string; readonly password: string };
}

interface OpenCall {
  readonly callId: string;
  readonly direction: 'in' | 'out';
  readonly remote: string;
  readonly own: string;
  readonly line: string;
  connected: boolean;
}

/** Refusal hint (C26 a), logged once per outage. */
export const FRITZBOX_REFUSED_HINT = 'The Fritz!Box refuses port 1012 — the call monitor is disabled; dial #96*5* on a phone connected to the box.';

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
  /** malformed lines seen (for tests and the CTI-Test log) */
  malformed = 0;

  constructor(private readonly options: FritzboxOptions) {
    this.splitter = new LineSplitter(FRITZBOX_MAX_LINE, (line) => this.onLine(line), (prefix) => {
      this.malformed++;
      options.log.warn(`line longer than ${FRITZBOX_MAX_LINE} bytes skipped: ${JSON.stringify(prefix)}…`);
    });
    this.connection = new ReconnectingConnection(
      { host: options.host, port: options.port ?? FRITZBOX_PORT, backoff: options.backoff, timers: options.timers, idleTimeoutMs: options.idleTimeoutMs, log: options.log, refusedHint: FRITZBOX_REFUSED_HINT },
      { onConnected: () => this.splitter.reset(), onData: (chunk) => this.splitter.push(chunk), onClosed: () => this.splitter.reset() },
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
    return [...new Set([...this.open.values()].map((c) => c.line).filter((l) => l !== ''))];
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

  private emit(kind: CallEvent['kind'], call: OpenCall, extra: Partial<CallEvent> = {}): void {
    this.events.emit({ kind, callId: call.callId, direction: call.direction, remote: call.remote, own: call.own, line: call.line, at: (this.options.now ?? (() => new Date()))(), ...extra });
  }

  private onLine(text: string): void {
    if (text.trim() === '') return;
    const parsed = parseFritzLine(text);
    if (typeof parsed === 'string') {
      this.malformed++;
      this.options.log.warn(`malformed call-monitor line skipped (${parsed})`);
      return;
    }
    switch (parsed.type) {
      case 'RING':
      case 'CALL': {
        const callId = `${parsed.connId}@${parsed.date}`;
        // the same RING/CALL again for a call still open (sent again after a reconnect): not a new call
        if (this.open.get(parsed.connId)?.callId === callId) return;
        const call: OpenCall = { callId, direction: parsed.type === 'RING' ? 'in' : 'out', remote: parsed.remote, own: parsed.own, line: parsed.type === 'CALL' ? parsed.extension : parsed.line, connected: false };
        this.open.set(parsed.connId, call);
        this.emit(parsed.type === 'RING' ? 'ringing' : 'outgoing', call);
        return;
      }
      case 'CONNECT': {
        const call = this.open.get(parsed.connId);
        if (!call) return this.options.log.debug(`CONNECT for unknown connection ${parsed.connId}`);
        if (call.connected) return; // repeated after a reconnect
        call.connected = true;
        this.emit('connected', call, { line: parsed.extension || call.line });
        return;
      }
      case 'DISCONNECT': {
        const call = this.open.get(parsed.connId);
        if (!call) return this.options.log.debug(`DISCONNECT for unknown connection ${parsed.connId}`);
        this.open.delete(parsed.connId);
        this.emit(call.direction === 'in' && !call.connected ? 'missed' : 'ended', call, { durationSeconds: parsed.durationSeconds });
        return;
      }
    }
  }
}
