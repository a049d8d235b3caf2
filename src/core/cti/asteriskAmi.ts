/**
 * Asterisk Manager Interface provider (cti-protocols.md "Asterisk Manager Interface"; field case C25): banner,
 * `Action: Login`, events grouped by `Linkedid`, `Action: Originate` for dialing, `Action: Ping` keep-alive,
 * reconnect and log in again after a drop. Both `DialBegin` (Asterisk ≥ 12) and `Dial` with `SubEvent: Begin`
 * are understood. Empty/`<unknown>`/prohibited caller ids are suppressed; a later `NewCallerid` or `DialBegin`
 * with a real number updates the call (`callerUpdated`), unless it is an internal extension.
 */
import type { Logger } from '../log';
import { IxError, msg } from '../errors';
import { Emitter } from '../emitter';
import { LineSplitter } from '../net/lineSplitter';
import { ReconnectingConnection } from '../net/reconnectingConnection';
import type { BackoffOptions, Timers } from '../net/reconnectingConnection';
import type { CallEvent, CtiProvider, DialOutcome, ProviderStatus } from './provider';
import { AmiCallTracker } from './amiCallTracker';
import type { AmiMessage } from './amiCallTracker';

/**
 * Calls missed while nobody listened: Asterisk keeps its call records (CDR/CEL) in files or a database, not behind
 * AMI, so this provider has no `callHistory` (issue 16); the CTI-Test and README say so.
 */
export const AMI_NO_HISTORY =
  'Asterisk AMI offers no call list: calls while nobody listened are not imported (they are in the Asterisk CDR).';

/** Default AMI port. */
export const AMI_PORT = 5038;

/** Options of {@link AsteriskAmi}. */
export interface AmiOptions {
  readonly host: string;
  readonly port?: number;
  readonly username: string;
  /** the AMI secret (from secret storage / an environment variable; never logged) */
  readonly secret: string;
  readonly log: Logger;
  readonly backoff?: BackoffOptions;
  readonly timers?: Timers;
  /** Ping interval; 0 = off (default 30 s) */
  readonly pingMs?: number;
  /** context for Originate (default `from-internal`) */
  readonly context?: string;
  /** caller ids with at most this many digits are internal extensions and never replace a caller (C25; default 4) */
  readonly internalMaxDigits?: number;
  readonly now?: () => Date;
  /** deadline for the banner `Asterisk Call Manager/x.y` after the TCP connect (default 5 s) */
  readonly bannerTimeoutMs?: number;
  /** deadline for the answer to `Action: Login` (default 10 s) */
  readonly loginTimeoutMs?: number;
  /** deadline of the TCP connect (default 10 s) */
  readonly connectTimeoutMs?: number;
  /** how long a connection must stay up before the reconnect backoff resets (default 60 s; tests shorten it) */
  readonly stableMs?: number;
}

/** The AMI refused the login or an action. */
export class AmiError extends IxError {
  constructor(action: string, message: string) {
    super(
      'E_CTI_AMI',
      msg(
        'Asterisk refused {0}: {1}. Check the AMI user and secret in manager.conf and its permissions (read/write call, originate).',
      ),
      [action, message],
    );
  }
}

/**
 * The AMI peer did not do its part in time, or went away before the login: no banner, half a banner, no answer to
 * Login, closed before the login (issue 16 §6). Distinct from {@link AmiError} (Asterisk answered and refused).
 */
export class AmiTimeoutError extends IxError {
  constructor(template: string, args: readonly (string | number)[]) {
    super('E_CTI_AMI_TIMEOUT', template, args);
  }
}

/** Asterisk AMI provider. */
export class AsteriskAmi implements CtiProvider {
  readonly kind = 'asterisk';
  private readonly events = new Emitter<[CallEvent]>();
  /** connection status, where "connected" means logged in */
  private readonly statusEmitter = new Emitter<[ProviderStatus, string?]>();
  private readonly connection: ReconnectingConnection;
  private readonly splitter: LineSplitter;
  private pending: Record<string, string> = {};
  private bannerSeen = false;
  private loggedIn = false;
  private actionSeq = 0;
  private readonly waiting = new Map<string, (message: AmiMessage) => void>();
  private readonly calls: AmiCallTracker;
  private ping: NodeJS.Timeout | undefined;
  private loginWaiters: Array<(error?: Error) => void> = [];
  private bannerTimer: NodeJS.Timeout | undefined;
  /** bytes of the current connection before the banner's line end (to tell "half a banner" from none) */
  private preBanner = '';
  /** malformed lines seen */
  malformed = 0;
  /** the banner of the last connection (`Asterisk Call Manager/5.0.1`) */
  banner = '';

  constructor(private readonly options: AmiOptions) {
    this.calls = new AmiCallTracker({ internalMaxDigits: options.internalMaxDigits, now: options.now }, (event) =>
      this.events.emit(event),
    );
    this.splitter = new LineSplitter(
      8192,
      (line) => this.onLine(line),
      () => {
        this.malformed++;
        options.log.warn('AMI line longer than 8 KB skipped');
      },
    );
    this.connection = new ReconnectingConnection(
      {
        host: options.host,
        port: options.port ?? AMI_PORT,
        backoff: options.backoff,
        timers: options.timers,
        log: options.log,
        connectTimeoutMs: options.connectTimeoutMs,
        stableMs: options.stableMs,
        refusedHint: `Asterisk refuses the AMI port ${options.port ?? AMI_PORT} — enable it in manager.conf ([general] enabled = yes) and allow this host.`,
      },
      {
        onConnected: () => {
          this.splitter.reset();
          this.pending = {};
          this.bannerSeen = false;
          this.loggedIn = false;
          this.preBanner = '';
          const bannerMs = options.bannerTimeoutMs ?? 5000;
          this.bannerTimer = setTimeout(() => {
            const error =
              this.preBanner === ''
                ? new AmiTimeoutError(
                    msg(
                      'The peer at {0} accepted the connection but sent no AMI banner within {1} ms. Is this the Asterisk Manager port (manager.conf, default 5038)?',
                    ),
                    [this.where(), bannerMs],
                  )
                : new AmiTimeoutError(
                    msg(
                      'The peer at {0} sent half an AMI banner ("{1}") and then nothing within {2} ms. Is this the Asterisk Manager port, or is a proxy in between cutting the connection?',
                    ),
                    [this.where(), this.preBanner.slice(0, 40), bannerMs],
                  );
            this.failLogin(error);
            this.connection.drop();
          }, bannerMs);
        },
        onData: (chunk) => {
          if (!this.bannerSeen && this.preBanner.length < 200) this.preBanner += chunk.toString('utf8');
          this.splitter.push(chunk);
        },
        onClosed: () => {
          clearTimeout(this.bannerTimer);
          if (!this.loggedIn)
            this.failLogin(
              new AmiTimeoutError(
                this.bannerSeen
                  ? msg(
                      'The connection to {0} closed after the AMI banner, before Asterisk answered the Login. Check manager.conf (permit/deny for this host) and the Asterisk log.',
                    )
                  : msg(
                      'The connection to {0} closed before the AMI banner (reset after accept). Is this the Asterisk Manager port, and does manager.conf permit this host?',
                    ),
                [this.where()],
              ),
            );
          this.loggedIn = false;
          if (this.ping) clearInterval(this.ping);
          this.ping = undefined;
        },
      },
    );
    this.connection.status.on((status, detail) =>
      this.statusEmitter.emit(status === 'connected' ? 'connecting' : status, detail),
    );
  }

  /**
   * Connects and logs in; settles after the first attempt: resolves when logged in or when the TCP connect failed
   * (reconnects continue), rejects with {@link AmiError} on a refused login and with {@link AmiTimeoutError} when the
   * peer sent no banner, half a banner, no answer to Login, or closed before the login (each within its deadline).
   * Reconnects continue in the background in every case until {@link disconnect}.
   */
  async connect(): Promise<void> {
    let settled = false;
    let failure: Error | undefined;
    const waiter = (error?: Error): void => {
      settled = true;
      failure = error;
    };
    const loggedIn = new Promise<void>((resolve, reject) =>
      this.loginWaiters.push((e) => {
        waiter(e);
        if (e) reject(e);
        else resolve();
      }),
    );
    loggedIn.catch(() => undefined); // settled by the await below, or dropped when the TCP connect failed
    await this.connection.start();
    // a peer that reset right after accepting has already failed the login before start() returned
    if (failure) throw failure;
    if (!settled && this.connection.current !== 'connected' && !this.bannerSeen) {
      this.loginWaiters = [];
      return;
    }
    await loggedIn;
  }
  disconnect(): Promise<void> {
    if (this.ping) clearInterval(this.ping);
    clearTimeout(this.bannerTimer);
    this.loginWaiters = [];
    return this.connection.stop();
  }

  /** The waits before each reconnect so far (ms). */
  get reconnectWaits(): readonly number[] {
    return this.connection.waits;
  }

  private where(): string {
    return `${this.options.host}:${this.options.port ?? AMI_PORT}`;
  }

  private failLogin(error: Error): void {
    const waiters = this.loginWaiters.splice(0);
    if (waiters.length === 0) this.options.log.warn(error.message);
    for (const w of waiters) w(error);
  }
  status(): ProviderStatus {
    return this.connection.current === 'connected' && !this.loggedIn ? 'connecting' : this.connection.current;
  }
  lines(): readonly string[] {
    return this.calls.lines();
  }
  onEvent(listener: (event: CallEvent) => void): () => void {
    return this.events.on(listener);
  }
  onStatus(listener: (status: ProviderStatus, detail?: string) => void): () => void {
    return this.statusEmitter.on(listener);
  }

  /** Sends an action and resolves with its response (matched by ActionID). */
  action(fields: Record<string, string>, timeoutMs = 10_000): Promise<AmiMessage> {
    const id = `ixhaus-${++this.actionSeq}`;
    const text = `${Object.entries({ ...fields, ActionID: id })
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new AmiError(fields.Action ?? 'an action', 'no response'));
      }, timeoutMs);
      this.waiting.set(id, (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      this.connection.write(text);
    });
  }

  /**
   * Originate (cti-protocols.md "Dialing"): the user's phone `line` (e.g. `PJSIP/201`) rings first, then
   * `dialString` is called. @throws AmiError when Asterisk answers `Response: Error`
   */
  async dial(dialString: string, line: string | undefined): Promise<DialOutcome> {
    if (!line)
      throw new IxError(
        'E_CTI_NO_LINE',
        msg(
          'No CTI line is chosen, so Asterisk does not know which phone to ring first. Choose your line under Meine Daten.',
        ),
      );
    const reply = await this.action({
      Action: 'Originate',
      Channel: line,
      Exten: dialString,
      Context: this.options.context ?? 'from-internal',
      Priority: '1',
      CallerID: dialString,
      Timeout: '30000',
      Async: 'true',
    });
    if (reply.Response !== 'Success') throw new AmiError('Originate', reply.Message ?? 'error');
    return { kind: 'placed', reference: reply.ActionID ?? '' };
  }

  private onLine(line: string): void {
    if (!this.bannerSeen) {
      if (!/^Asterisk Call Manager\//.test(line)) {
        this.malformed++;
        this.options.log.warn('the peer did not greet as an Asterisk Call Manager — is this the AMI port?');
        return;
      }
      this.bannerSeen = true;
      clearTimeout(this.bannerTimer);
      this.banner = line;
      void this.login();
      return;
    }
    if (line === '') {
      const message = this.pending;
      this.pending = {};
      if (Object.keys(message).length > 0) this.onMessage(message);
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      this.malformed++;
      this.options.log.warn('malformed AMI line skipped (no "Key: Value")');
      return;
    }
    this.pending[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }

  private async login(): Promise<void> {
    const loginMs = this.options.loginTimeoutMs ?? 10_000;
    let reply: AmiMessage;
    try {
      reply = await this.action(
        { Action: 'Login', Username: this.options.username, Secret: this.options.secret, Events: 'on' },
        loginMs,
      );
    } catch {
      // no answer is not a refusal: say so, and do not blame the user and secret (issue 16 §6)
      if (!this.bannerSeen || this.connection.current !== 'connected') return; // closed meanwhile: onClosed reported it
      this.failLogin(
        new AmiTimeoutError(
          msg(
            'Asterisk at {0} sent its banner but did not answer the Login within {1} ms. The manager may be overloaded or something in between holds the connection; the user and secret were not checked.',
          ),
          [this.where(), loginMs],
        ),
      );
      this.connection.drop();
      return;
    }
    try {
      if (reply.Response !== 'Success') throw new AmiError('the login', reply.Message ?? 'authentication failed');
      this.loggedIn = true;
      this.options.log.info(`logged in to ${this.banner}`);
      this.statusEmitter.emit('connected');
      const pingMs = this.options.pingMs ?? 30_000;
      if (pingMs > 0)
        this.ping = setInterval(
          () =>
            void this.action({ Action: 'Ping' }, pingMs).catch(() =>
              this.options.log.warn('no Pong — connection may be dead'),
            ),
          pingMs,
        );
      for (const w of this.loginWaiters.splice(0)) w();
    } catch (error) {
      this.options.log.error(error instanceof Error ? error.message : String(error));
      for (const w of this.loginWaiters.splice(0)) w(error instanceof Error ? error : new Error(String(error)));
    }
  }
  private onMessage(message: AmiMessage): void {
    if (message.ActionID && message.Response !== undefined) {
      const waiter = this.waiting.get(message.ActionID);
      this.waiting.delete(message.ActionID);
      waiter?.(message);
      return;
    }
    this.calls.handle(message);
  }
}
