/**
 * The one interface behind which every telephone system sits (product.md §7, issue 9 "Providers"): Fritz!Box call
 * monitor, Asterisk AMI and the simulator. Events are normalised here; lookup, alerting and the journal happen in
 * `ctiSession.ts`, not in a provider.
 */
import * as net from 'node:net';
import type { Logger } from '../log';

/** What happened to a call. `callerUpdated` = a late caller id for a call already announced (C25). */
export type CallEventKind = 'ringing' | 'outgoing' | 'connected' | 'ended' | 'missed' | 'callerUpdated';

/** One call event, provider-neutral. */
export interface CallEvent {
  readonly kind: CallEventKind;
  /** stable id of the call within the provider (Fritz!Box: connId + RING time; AMI: Linkedid) */
  readonly callId: string;
  readonly direction: 'in' | 'out';
  /** the remote party's number as delivered ('' = suppressed); lookups always use this (C28) */
  readonly remote: string;
  /** our own number / MSN the call came in on, if the PBX says */
  readonly own?: string;
  /** the line / channel / extension that rings or dials (matched against the user's CTI line) */
  readonly line?: string;
  /** when the provider received the event */
  readonly at: Date;
  /** call duration in seconds (ended/missed, where known) */
  readonly durationSeconds?: number;
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
}

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
    if (this.options.idleTimeoutMs) socket.setTimeout(this.options.idleTimeoutMs);
    socket.on('connect', () => {
      this.connects++;
      this.delay = (this.options.backoff ?? DEFAULT_BACKOFF).initialMs;
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
      if (this.socket === socket) this.socket = undefined;
      this.handlers.onClosed();
      settle();
      if (this.stopped) {
        this.setStatus('disconnected');
        return;
      }
      const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
      const wait = this.delay;
      this.delay = Math.min(backoff.maxMs, this.delay * 2);
      this.setStatus('reconnecting', `${wait} ms`);
      this.options.log.debug(`reconnecting in ${wait} ms`);
      this.timer = (this.options.timers ?? REAL_TIMERS).setTimeout(() => this.attempt(), wait);
    });
  }

  write(text: string): void {
    this.socket?.write(text);
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
