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
import { isInternalNumber, isSuppressedCallerId } from './phoneNumber';

/** Default AMI port. */
export const AMI_PORT = 5038;

/** One AMI message: its `Key: Value` lines (keys as sent). */
export type AmiMessage = Readonly<Record<string, string>>;

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
}

/** The AMI refused the login or an action. */
export class AmiError extends IxError {
  constructor(action: string, message: string) {
    super('E_CTI_AMI', msg('Asterisk refused {0}: {1}. Check the AMI user and secret in manager.conf and its permissions (read/write call, originate).'), [action, message]);
  }
}

interface AmiCall {
  readonly linkedId: string;
  remote: string;
  line: string | undefined;
  announced: boolean;
  connected: boolean;
  ended: boolean;
}

function suppressedCaller(message: AmiMessage): boolean {
  return isSuppressedCallerId(message.CallerIDNum) || /prohibited/i.test(message['CID-CallingPres'] ?? '');
}

/** `PJSIP/201-0000001a` → `PJSIP/201` (the endpoint a user's line names). */
export function channelEndpoint(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  return channel.replace(/-[0-9a-f]+$/i, '');
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
  private readonly calls = new Map<string, AmiCall>();
  private readonly uniqueToLinked = new Map<string, string>();
  private readonly knownLines = new Set<string>();
  private ping: NodeJS.Timeout | undefined;
  private loginWaiters: Array<(error?: Error) => void> = [];
  /** malformed lines seen */
  malformed = 0;
  /** the banner of the last connection (`Asterisk Call Manager/5.0.1`) */
  banner = '';

  constructor(private readonly options: AmiOptions) {
    this.splitter = new LineSplitter(8192, (line) => this.onLine(line), () => {
      this.malformed++;
      options.log.warn('AMI line longer than 8 KB skipped');
    });
    this.connection = new ReconnectingConnection(
      { host: options.host, port: options.port ?? AMI_PORT, backoff: options.backoff, timers: options.timers, log: options.log, refusedHint: `Asterisk refuses the AMI port ${options.port ?? AMI_PORT} — enable it in manager.conf ([general] enabled = yes) and allow this host.` },
      {
        onConnected: () => {
          this.splitter.reset();
          this.pending = {};
          this.bannerSeen = false;
          this.loggedIn = false;
        },
        onData: (chunk) => this.splitter.push(chunk),
        onClosed: () => {
          this.loggedIn = false;
          if (this.ping) clearInterval(this.ping);
          this.ping = undefined;
        },
      },
    );
    this.connection.status.on((status, detail) => this.statusEmitter.emit(status === 'connected' ? 'connecting' : status, detail));
  }

  /** Connects and logs in (resolves after the first attempt; rejects with {@link AmiError} on a refused login). */
  async connect(): Promise<void> {
    const loggedIn = new Promise<void>((resolve, reject) => this.loginWaiters.push((e) => (e ? reject(e) : resolve())));
    await this.connection.start();
    if (this.connection.current !== 'connected') {
      this.loginWaiters = [];
      return;
    }
    await loggedIn;
  }
  disconnect(): Promise<void> {
    if (this.ping) clearInterval(this.ping);
    return this.connection.stop();
  }
  status(): ProviderStatus {
    return this.connection.current === 'connected' && !this.loggedIn ? 'connecting' : this.connection.current;
  }
  lines(): readonly string[] {
    return [...this.knownLines];
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
    const text = `${Object.entries({ ...fields, ActionID: id }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
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
    if (!line) throw new IxError('E_CTI_NO_LINE', msg('No CTI line is chosen, so Asterisk does not know which phone to ring first. Choose your line under Meine Daten.'));
    const reply = await this.action({ Action: 'Originate', Channel: line, Exten: dialString, Context: this.options.context ?? 'from-internal', Priority: '1', CallerID: dialString, Timeout: '30000', Async: 'true' });
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
    try {
      const reply = await this.action({ Action: 'Login', Username: this.options.username, Secret: this.options.secret, Events: 'on' });
      if (reply.Response !== 'Success') throw new AmiError('the login', reply.Message ?? 'authentication failed');
      this.loggedIn = true;
      this.options.log.info(`logged in to ${this.banner}`);
      this.statusEmitter.emit('connected');
      const pingMs = this.options.pingMs ?? 30_000;
      if (pingMs > 0) this.ping = setInterval(() => void this.action({ Action: 'Ping' }, pingMs).catch(() => this.options.log.warn('no Pong — connection may be dead')), pingMs);
      for (const w of this.loginWaiters.splice(0)) w();
    } catch (error) {
      this.options.log.error(error instanceof Error ? error.message : String(error));
      for (const w of this.loginWaiters.splice(0)) w(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private emit(kind: CallEvent['kind'], call: AmiCall, extra: Partial<CallEvent> = {}): void {
    this.events.emit({ kind, callId: call.linkedId, direction: 'in', remote: call.remote, line: call.line, at: (this.options.now ?? (() => new Date()))(), ...extra });
  }

  private callFor(message: AmiMessage): AmiCall | undefined {
    const linked = message.Linkedid ?? (message.Uniqueid ? this.uniqueToLinked.get(message.Uniqueid) : undefined) ?? message.Uniqueid;
    if (!linked) return undefined;
    if (message.Uniqueid) this.uniqueToLinked.set(message.Uniqueid, linked);
    let call = this.calls.get(linked);
    if (!call) {
      call = { linkedId: linked, remote: '', line: undefined, announced: false, connected: false, ended: false };
      this.calls.set(linked, call);
    }
    return call;
  }

  private updateCaller(call: AmiCall, message: AmiMessage): boolean {
    if (suppressedCaller(message)) return false;
    const number = message.CallerIDNum ?? '';
    if (isInternalNumber(number, this.options.internalMaxDigits ?? 4) && call.remote !== '') return false;
    if (number === call.remote) return false;
    call.remote = number;
    return true;
  }

  private onMessage(message: AmiMessage): void {
    if (message.ActionID && message.Response !== undefined) {
      const waiter = this.waiting.get(message.ActionID);
      this.waiting.delete(message.ActionID);
      waiter?.(message);
      return;
    }
    const event = message.Event;
    if (!event) return;
    switch (event) {
      case 'Newchannel': {
        const call = this.callFor(message);
        if (call && call.remote === '' && message.Uniqueid === call.linkedId) this.updateCaller(call, message);
        return;
      }
      case 'NewCallerid': {
        const call = this.callFor(message);
        if (!call || call.ended || message.Uniqueid !== call.linkedId) return;
        if (this.updateCaller(call, message) && call.announced) this.emit('callerUpdated', call);
        return;
      }
      case 'Dial':
      case 'DialBegin': {
        if (event === 'Dial' && message.SubEvent !== 'Begin') return;
        const call = this.callFor(message);
        if (!call || call.ended) return;
        const updated = this.updateCaller(call, message);
        const line = channelEndpoint(message.DestChannel ?? message.Destination);
        if (line) this.knownLines.add(line);
        if (!call.announced) {
          call.line = line;
          call.announced = true;
          this.emit('ringing', call);
        } else if (updated) this.emit('callerUpdated', call);
        return;
      }
      case 'DialEnd':
      case 'Newstate': {
        const call = this.callFor(message);
        if (!call || !call.announced || call.connected || call.ended) return;
        const answered = event === 'DialEnd' ? message.DialStatus === 'ANSWER' : message.ChannelStateDesc === 'Up' && channelEndpoint(message.Channel) === call.line;
        if (answered) {
          call.connected = true;
          this.emit('connected', call);
        }
        return;
      }
      case 'Hangup': {
        const call = this.callFor(message);
        if (!call || call.ended || message.Uniqueid !== call.linkedId) return;
        call.ended = true;
        if (call.announced) this.emit(call.connected ? 'ended' : 'missed', call);
        this.calls.delete(call.linkedId);
        return;
      }
      default:
        return;
    }
  }
}
