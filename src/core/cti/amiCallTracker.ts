/**
 * AMI call events to {@link CallEvent}s (cti-protocols.md "Asterisk Manager Interface"; field case C25): events
 * grouped by `Linkedid`; both `DialBegin` (Asterisk ≥ 12) and `Dial` with `SubEvent: Begin` are understood.
 * Empty/`<unknown>`/prohibited caller ids are suppressed; a later `NewCallerid` or `DialBegin` with a real number
 * updates the call (`callerUpdated`), unless it is an internal extension.
 */
import type { CallEvent } from './provider';
import { isInternalNumber, isSuppressedCallerId } from './phoneNumber';

/** One AMI message: its `Key: Value` lines (keys as sent). */
export type AmiMessage = Readonly<Record<string, string>>;

interface AmiCall {
  readonly linkedId: string;
  remote: string;
  line: string | undefined;
  /** the internal extension that dialled (outgoing) or answered */
  extension: string | undefined;
  direction: 'in' | 'out';
  announced: boolean;
  startedAt: Date | undefined;
  answeredAt: Date | undefined;
  cause: 'busy' | 'rejected' | undefined;
  ended: boolean;
}

/** Q.850 causes of an AMI `Hangup` that say why an unanswered call ended (17 user busy, 21 call rejected). */
function hangupCause(cause: string | undefined): 'busy' | 'rejected' | undefined {
  return cause === '17' ? 'busy' : cause === '21' ? 'rejected' : undefined;
}

function suppressedCaller(message: AmiMessage): boolean {
  return isSuppressedCallerId(message.CallerIDNum) || /prohibited/i.test(message['CID-CallingPres'] ?? '');
}

/** `PJSIP/201-0000001a` → `PJSIP/201` (the endpoint a user's line names). */
export function channelEndpoint(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  return channel.replace(/-[0-9a-f]+$/i, '');
}

/** Options of {@link AmiCallTracker}. */
export interface AmiCallTrackerOptions {
  /** caller ids with at most this many digits are internal extensions and never replace a caller (C25; default 4) */
  readonly internalMaxDigits?: number;
  readonly now?: () => Date;
}

/** The calls of one AMI connection's events, and the lines they named. */
export class AmiCallTracker {
  private readonly calls = new Map<string, AmiCall>();
  private readonly uniqueToLinked = new Map<string, string>();
  private readonly knownLines = new Set<string>();

  constructor(
    private readonly options: AmiCallTrackerOptions,
    private readonly listener: (event: CallEvent) => void,
  ) {}

  /** The lines (endpoints) calls have named so far. */
  lines(): readonly string[] {
    return [...this.knownLines];
  }

  /** Maps one AMI event message to call state and {@link CallEvent}s (messages without `Event` are ignored). */
  handle(message: AmiMessage): void {
    const event = message.Event;
    if (!event) return;
    const at = this.timeOf(message);
    switch (event) {
      case 'Newchannel': {
        const call = this.callFor(message);
        if (!call) return;
        if (message.Uniqueid === call.linkedId) call.startedAt ??= at;
        if (call.remote === '' && message.Uniqueid === call.linkedId) this.updateCaller(call, message);
        return;
      }
      case 'NewCallerid': {
        const call = this.callFor(message);
        if (!call || call.ended || call.direction === 'out' || message.Uniqueid !== call.linkedId) return;
        if (this.updateCaller(call, message) && call.announced) this.emit('callerUpdated', call, at);
        return;
      }
      case 'Dial':
      case 'DialBegin': {
        if (event === 'Dial' && message.SubEvent !== 'Begin') return;
        const call = this.callFor(message);
        if (!call || call.ended) return;
        const destNumber =
          message.DestCallerIDNum && !isSuppressedCallerId(message.DestCallerIDNum)
            ? message.DestCallerIDNum
            : (message.DestExten ?? message.DialString);
        // an internal phone dialling out: the first leg's caller is an extension, the destination an outside number
        // (issue 16 §4: Newchannel from PJSIP/201, DialBegin to the trunk with DestCallerIDNum 01761234567)
        const outgoing =
          !call.announced &&
          this.internal(message.CallerIDNum) &&
          destNumber !== undefined &&
          !this.internal(destNumber) &&
          /\d/.test(destNumber);
        if (outgoing) {
          call.direction = 'out';
          call.line = channelEndpoint(message.Channel);
          call.extension = message.CallerIDNum;
          call.remote = destNumber;
          call.startedAt ??= at;
          call.announced = true;
          if (call.line) this.knownLines.add(call.line);
          this.emit('outgoing', call, at);
          return;
        }
        if (call.direction === 'out') return; // further legs of an outgoing call (forks, retries)
        const updated = this.updateCaller(call, message);
        const line = channelEndpoint(message.DestChannel ?? message.Destination);
        if (line) this.knownLines.add(line);
        if (!call.announced) {
          call.line = line;
          call.startedAt ??= at;
          call.announced = true;
          this.emit('ringing', call, at);
        } else if (updated) this.emit('callerUpdated', call, at);
        return;
      }
      case 'DialEnd':
      case 'Newstate': {
        const call = this.callFor(message);
        if (!call || !call.announced || call.answeredAt || call.ended) return;
        if (event === 'DialEnd' && message.DialStatus === 'BUSY') call.cause = 'busy';
        const answered =
          event === 'DialEnd'
            ? message.DialStatus === 'ANSWER'
            : message.ChannelStateDesc === 'Up' &&
              call.direction === 'in' &&
              channelEndpoint(message.Channel) === call.line;
        if (answered) {
          call.answeredAt = at;
          this.emit('connected', call, at);
        }
        return;
      }
      case 'Hangup': {
        const call = this.callFor(message);
        if (!call || call.ended || message.Uniqueid !== call.linkedId) return;
        call.ended = true;
        const cause = call.answeredAt ? undefined : (call.cause ?? hangupCause(message.Cause));
        // AMI states no talk time; it is the span from answer to hang-up by the events' own times
        const durationSeconds = call.answeredAt
          ? Math.max(0, Math.round((at.getTime() - call.answeredAt.getTime()) / 1000))
          : 0;
        if (call.announced)
          this.emit(call.direction === 'in' && !call.answeredAt ? 'missed' : 'ended', call, at, {
            durationSeconds,
            cause,
          });
        this.calls.delete(call.linkedId);
        return;
      }
      default:
        return;
    }
  }

  private emit(kind: CallEvent['kind'], call: AmiCall, at: Date, extra: Partial<CallEvent> = {}): void {
    this.listener({
      kind,
      callId: call.linkedId,
      direction: call.direction,
      remote: call.remote,
      line: call.line,
      extension: call.extension,
      at,
      startedAt: call.startedAt ?? at,
      answeredAt: call.answeredAt,
      ...extra,
    });
  }

  /** The event's own time (`Timestamp: 1433907233.123456` with `timestampevents = yes`), else the arrival time. */
  private timeOf(message: AmiMessage): Date {
    const stamp = Number(message.Timestamp);
    if (message.Timestamp && Number.isFinite(stamp) && stamp > 0) return new Date(Math.round(stamp * 1000));
    return (this.options.now ?? (() => new Date()))();
  }

  private callFor(message: AmiMessage): AmiCall | undefined {
    const linked =
      message.Linkedid ??
      (message.Uniqueid ? this.uniqueToLinked.get(message.Uniqueid) : undefined) ??
      message.Uniqueid;
    if (!linked) return undefined;
    if (message.Uniqueid) this.uniqueToLinked.set(message.Uniqueid, linked);
    if (this.uniqueToLinked.size > 5000) this.uniqueToLinked.delete(this.uniqueToLinked.keys().next().value as string);
    let call = this.calls.get(linked);
    if (!call) {
      call = {
        linkedId: linked,
        remote: '',
        line: undefined,
        extension: undefined,
        direction: 'in',
        announced: false,
        startedAt: undefined,
        answeredAt: undefined,
        cause: undefined,
        ended: false,
      };
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

  private internal(number: string | undefined): boolean {
    return number !== undefined && number !== '' && isInternalNumber(number, this.options.internalMaxDigits ?? 4);
  }
}
