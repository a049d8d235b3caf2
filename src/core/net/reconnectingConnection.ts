/**
 * A TCP client connection that reconnects with exponential backoff (cti-protocols.md "Reconnect": 1 s doubling to
 * 60 s; field case C26). Generic: used by the Fritz!Box call monitor and Asterisk AMI, usable by any line-based
 * TCP peer. Moved out of cti/provider.ts (issue 18 §6).
 */
import * as net from 'node:net';
import { Emitter } from '../emitter';
import type { Logger } from '../log';

/** The state of a connection as the status bar shows it. */
export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

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
  readonly status = new Emitter<[ConnectionStatus, string?]>();
  current: ConnectionStatus = 'disconnected';
  /** how many times a connection was established */
  connects = 0;
  /** the waits before each reconnect so far, in ms (the CTI-Test and tests read the backoff from here) */
  readonly waits: number[] = [];
  private connectedAt: number | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handlers: { onConnected(socket: net.Socket): void; onData(chunk: Buffer): void; onClosed(): void },
  ) {
    this.delay = (options.backoff ?? DEFAULT_BACKOFF).initialMs;
  }

  private setStatus(status: ConnectionStatus, detail?: string): void {
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
      this.options.log.warn(
        `no TCP connection to ${this.options.host}:${this.options.port} within ${connectTimeoutMs} ms — the host does not answer; check the address and the network`,
      );
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
      if (upMs >= (this.options.stableMs ?? DEFAULT_STABLE_MS))
        this.delay = (this.options.backoff ?? DEFAULT_BACKOFF).initialMs;
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
