/**
 * The one interface behind which every telephone system sits (product.md §7, issue 9 "Providers"): Fritz!Box call
 * monitor, Asterisk AMI and the simulator. Events are normalised here; lookup, alerting and the journal happen in
 * `ctiSession.ts`, not in a provider.
 */
import * as net from 'node:net';
import type { Logger } from '../log';

/** What happened to a call. `callerUpdated` = a late caller id for a call already announced (C25). */
export type CallEventKind = 'ringing' | 'outgoing' | 'connected' | 'ended' | 'missed' | 'callerUpdated';

/**
 * Why a call ended without being answered, as far as the telephone system says (AMI `Hangup` cause 17 = busy,
 * 21 = rejected; Q.850). Undefined when the system does not say (Fritz!Box call monitor).
 */
export type EndCause = 'busy' | 'rejected' | 'lost';

/** One call event, provider-neutral. */
export interface CallEvent {
  readonly kind: CallEventKind;
  /** stable id of the call within the provider (Fritz!Box: connId + RING time; AMI: Linkedid) */
  readonly callId: string;
  readonly direction: 'in' | 'out';
  /** the remote party's number as delivered ('' = suppressed); lookups always use this (C28) */
  readonly remote: string;
  /** our own number / MSN / DID the call came in on or went out from, if the PBX says */
  readonly own?: string;
  /** the line / trunk / channel (Fritz!Box `SIP0`, Asterisk endpoint `PJSIP/201`) */
  readonly line?: string;
  /** the internal extension that answered or dialled (Fritz!Box CONNECT/CALL field 3, e.g. `10`), if the PBX says */
  readonly extension?: string;
  /** when this event happened, by the telephone system's clock where it states one (Fritz!Box: Europe/Berlin) */
  readonly at: Date;
  /** when the call started (its first event, by the telephone system's clock) */
  readonly startedAt?: Date;
  /** when the call was answered (by the telephone system's clock), once it was */
  readonly answeredAt?: Date;
  /** call duration in seconds as the PBX states it (Fritz!Box DISCONNECT: talk time), ended/missed only */
  readonly durationSeconds?: number;
  /** why an unanswered call ended, where the PBX says (ended/missed only) */
  readonly cause?: EndCause;
}

/** A finished call from the telephone system's own list (calls while nobody listened; Fritz!Box TR-064). */
export interface HistoryCall {
  /** stable id within the provider (Fritz!Box: `tr064:<Id>`) */
  readonly callId: string;
  readonly direction: 'in' | 'out';
  readonly remote: string;
  readonly own?: string;
  readonly line?: string;
  readonly extension?: string;
  readonly startedAt: Date;
  readonly answered: boolean;
  readonly durationSeconds: number;
  readonly cause?: EndCause;
}

/** Connection state of a provider. */
export type ProviderStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

/** What {@link CtiProvider.dial} did: the PBX places the call, or the caller must open a `tel:` URI. */
export type DialOutcome = { readonly kind: 'placed'; readonly reference: string } | { readonly kind: 'uri'; readonly uri: string };

/** A telephone system adapter. */
export interface CtiProvider {
  /** 'fritzbox' | 'asterisk' | 'simulator' */
  readonly kind: string;
  /** Starts (and keeps up, with reconnects) the connection; resolves after the first attempt, connected or not. */
  connect(): Promise<void>;
  /** Stops for good; no reconnects afterwards. */
  disconnect(): Promise<void>;
  /** Lines the PBX offers, as far as known (seen in events or configured). */
  lines(): readonly string[];
  status(): ProviderStatus;
  /** Subscribes to call events; returns the unsubscribe function. */
  onEvent(listener: (event: CallEvent) => void): () => void;
  onStatus(listener: (status: ProviderStatus, detail?: string) => void): () => void;
  /** Places a call from `line` (the user's phone) to the already prefixed `dialString`. */
  dial(dialString: string, line: string | undefined): Promise<DialOutcome>;
  /**
   * The calls the telephone system itself listed between `since` and `until` (calls missed while nobody
   * listened). Absent where the system keeps no such list reachable to us (Asterisk AMI).
   */
  callHistory?(since: Date, until: Date): Promise<readonly HistoryCall[]>;
}

/** Reconnect timing (cti-protocols.md: 1 s doubling to 60 s). Injectable so tests run fast. */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
}

/** The default backoff: 1 s → 60 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 60_000 };

/** Timer seam (tests may pass their own). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Small typed event fan-out. */
export class Emitter<T extends unknown[]> {
  private readonly listeners = new Set<(...args: T) => void>();
  on(listener: (...args: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(...args: T): void {
    for (const l of [...this.listeners]) l(...args);
  }
}

/** Options of {@link ReconnectingConnection}. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** TCP keep-alive delay (C26 b), default 30 s */
  readonly keepAliveMs?: number;
  /** close and reconnect when nothing arrives for this long (0/undefined = off) */
  readonly idleTimeoutMs?: number;
  readonly log: Logger;
  /** text logged once (not per retry) when the peer refuses the connection (C26 a) */
  readonly refusedHint: string;
  /** deadline for the TCP connect (a host that drops SYNs), default 10 s */
  readonly connectTimeoutMs?: number;
  /**
   * how long a connection must stay up before the backoff starts again at `initialMs` (issue 16: a peer that
   * accepts and resets at once must not be retried once a second for ever), default 60 s
   */
  readonly stableMs?: number;
}

/** Default time a connection must stay up before the reconnect backoff resets. */
export const DEFAULT_STABLE_MS = 60_000;

/**
 * A TCP connection that reconnects with exponential backoff until {@link stop}: the caller gets `onConnected`
 * with each new socket and `onData` with its chunks. Refusals are logged once, later ones at debug (C26).
 */
export class ReconnectingConnection {
  private socket: net.Socket | undefined;
  private timer: unknown;
  private delay: number;
  private stopped = false;
  private refusedLogged = false;
  readonly status = new Emitter<[ProviderStatus, string?]>();
  current: ProviderStatus = 'disconnected';
  /** how many times a connection was established */
  connects = 0;
  /** the waits before each reconnect so far, in ms (the CTI-Test and tests read the backoff from here) */
  readonly waits: number[] = [];
  private connectedAt: number | undefined;

  constructor(private readonly options: ConnectionOptions, private readonly handlers: { onConnected(socket: net.Socket): void; onData(chunk: Buffer): void; onClosed(): void }) {
    this.delay = (options.backoff ?? DEFAULT_BACKOFF).initialMs;
  }

  private setStatus(status: ProviderStatus, detail?: string): void {
    this.current = status;
    this.status.emit(status, detail);
  }

  /** Connects; resolves after the first attempt (success or failure, reconnects continue). */
  start(): Promise<void> {
    this.stopped = false;
    return new Promise((resolve) => this.attempt(resolve));
  }

  private attempt(done?: () => void): void {
    if (this.stopped) return done?.();
    this.setStatus(this.connects === 0 && !this.refusedLogged ? 'connecting' : 'reconnecting');
    const socket = net.connect({ host: this.options.host, port: this.options.port });
    this.socket = socket;
    let settled = false;
    const settle = (): void => {
      if (!settled) {
        settled = true;
        done?.();
      }
    };
    socket.setKeepAlive(true, this.options.keepAliveMs ?? 30_000);
    const connectTimeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const connectTimer = setTimeout(() => {
      this.options.log.warn(`no TCP connection to ${this.options.host}:${this.options.port} within ${connectTimeoutMs} ms — the host does not answer; check the address and the network`);
      socket.destroy();
    }, connectTimeoutMs);
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      if (this.options.idleTimeoutMs) socket.setTimeout(this.options.idleTimeoutMs);
      this.connects++;
      // the backoff is not reset here but only once the connection stayed up (see 'close')
      this.connectedAt = Date.now();
      this.refusedLogged = false;
      this.options.log.info(`connected to ${this.options.host}:${this.options.port}`);
      this.setStatus('connected');
      this.handlers.onConnected(socket);
      settle();
    });
    socket.on('data', (chunk: Buffer) => this.handlers.onData(chunk));
    socket.on('timeout', () => {
      this.options.log.warn(`no data for ${this.options.idleTimeoutMs} ms — reconnecting`);
      socket.destroy();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED') {
        if (!this.refusedLogged) this.options.log.warn(this.options.refusedHint);
        else this.options.log.debug(`refused again (${this.options.host}:${this.options.port})`);
        this.refusedLogged = true;
      } else {
        this.options.log.warn(`connection error: ${error.code ?? error.message}`);
      }
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      if (this.socket === socket) this.socket = undefined;
      const upMs = this.connectedAt === undefined ? 0 : Date.now() - this.connectedAt;
      this.connectedAt = undefined;
      if (upMs >= (this.options.stableMs ?? DEFAULT_STABLE_MS)) this.delay = (this.options.backoff ?? DEFAULT_BACKOFF).initialMs;
      this.handlers.onClosed();
      settle();
      if (this.stopped) {
        this.setStatus('disconnected');
        return;
      }
      const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
      const wait = this.delay;
      this.waits.push(wait);
      if (this.waits.length > 100) this.waits.shift();
      this.delay = Math.min(backoff.maxMs, this.delay * 2);
      this.setStatus('reconnecting', `${wait} ms`);
      this.options.log.debug(`reconnecting in ${wait} ms`);
      this.timer = (this.options.timers ?? REAL_TIMERS).setTimeout(() => this.attempt(), wait);
    });
  }

  write(text: string): void {
    this.socket?.write(text);
  }

  /** Closes the current socket (the peer misbehaved); reconnects follow with the backoff. */
  drop(): void {
    this.socket?.destroy();
  }

  /** Stops reconnecting and closes the socket. */
  async stop(): Promise<void> {
    this.stopped = true;
    (this.options.timers ?? REAL_TIMERS).clearTimeout(this.timer);
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.destroy();
      });
    }
    this.setStatus('disconnected');
  }
}

/**
 * Splits a byte stream into lines (LF, an optional CR stripped), buffering a line split across chunks (C28).
 * A line longer than `maxBytes` is dropped whole and reported through `onOverlong` (cti-protocols.md: 512 bytes).
 */
export class LineSplitter {
  private buffer = '';
  private skipping = false;

  constructor(private readonly maxBytes: number, private readonly onLine: (line: string) => void, private readonly onOverlong: (prefix: string) => void) {}

  push(chunk: Buffer | string): void {
    this.buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (this.skipping) this.skipping = false;
      else if (Buffer.byteLength(line) > this.maxBytes) this.onOverlong(line.slice(0, 40));
      else this.onLine(line);
      newline = this.buffer.indexOf('\n');
    }
    if (Buffer.byteLength(this.buffer) > this.maxBytes) {
      if (!this.skipping) this.onOverlong(this.buffer.slice(0, 40));
      this.skipping = true;
      this.buffer = '';
    }
  }

  /** Forgets a partial line (after a reconnect the rest never comes). */
  reset(): void {
    this.buffer = '';
    this.skipping = false;
  }
}
