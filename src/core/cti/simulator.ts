/**
 * The simulator provider (issue 9 "Providers"; command "Anruf simulieren…"): produces the same events as a real
 * PBX, without one, for demos and tests. Calls are driven explicitly ({@link CtiSimulator.ring},
 * {@link CtiSimulator.answer}, {@link CtiSimulator.hangUp}), so nothing depends on timing.
 */
import type { CallEvent, CtiProvider, DialOutcome, ProviderStatus } from './provider';
import { Emitter } from '../emitter';

/** A simulated PBX with one or more lines. */
export class CtiSimulator implements CtiProvider {
  readonly kind = 'simulator';
  private readonly events = new Emitter<[CallEvent]>();
  private readonly statusEmitter = new Emitter<[ProviderStatus, string?]>();
  private current: ProviderStatus = 'disconnected';
  private seq = 0;
  private readonly calls = new Map<
    string,
    { remote: string; line: string; direction: 'in' | 'out'; startedAt: Date; answeredAt: Date | undefined }
  >();
  /** dial strings passed to {@link dial}, in order */
  readonly dialed: string[] = [];

  constructor(
    private readonly simulatedLines: readonly string[] = ['SIM/1'],
    private readonly now: () => Date = () => new Date(),
  ) {}

  connect(): Promise<void> {
    this.current = 'connected';
    this.statusEmitter.emit('connected');
    return Promise.resolve();
  }
  disconnect(): Promise<void> {
    this.current = 'disconnected';
    this.statusEmitter.emit('disconnected');
    return Promise.resolve();
  }
  status(): ProviderStatus {
    return this.current;
  }
  lines(): readonly string[] {
    return this.simulatedLines;
  }
  onEvent(listener: (event: CallEvent) => void): () => void {
    return this.events.on(listener);
  }
  onStatus(listener: (status: ProviderStatus, detail?: string) => void): () => void {
    return this.statusEmitter.on(listener);
  }

  private emit(kind: CallEvent['kind'], callId: string, extra: Partial<CallEvent> = {}): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.events.emit({
      kind,
      callId,
      direction: call.direction,
      remote: call.remote,
      line: call.line,
      at: this.now(),
      startedAt: call.startedAt,
      answeredAt: call.answeredAt,
      ...extra,
    });
  }

  /** An incoming call from `remote` ('' = suppressed) on `line`; returns its call id. */
  ring(remote: string, line: string = this.simulatedLines[0] ?? 'SIM/1'): string {
    const callId = `sim-${++this.seq}`;
    this.calls.set(callId, { remote, line, direction: 'in', startedAt: this.now(), answeredAt: undefined });
    this.emit('ringing', callId);
    return callId;
  }

  /** The call is answered. */
  answer(callId: string): void {
    const call = this.calls.get(callId);
    if (!call || call.answeredAt) return;
    call.answeredAt = this.now();
    this.emit('connected', callId);
  }

  /** The call ends: missed when an incoming call was never answered; `cause` as a PBX would say (busy, rejected). */
  hangUp(callId: string, durationSeconds = 0, cause?: CallEvent['cause']): void {
    const call = this.calls.get(callId);
    if (!call) return;
    this.emit(call.direction === 'in' && !call.answeredAt ? 'missed' : 'ended', callId, { durationSeconds, cause });
    this.calls.delete(callId);
  }

  /** Records the dial string and reports an outgoing call on `line`. */
  dial(dialString: string, line: string | undefined): Promise<DialOutcome> {
    this.dialed.push(dialString);
    const callId = `sim-${++this.seq}`;
    this.calls.set(callId, {
      remote: dialString,
      line: line ?? this.simulatedLines[0] ?? 'SIM/1',
      direction: 'out',
      startedAt: this.now(),
      answeredAt: undefined,
    });
    this.emit('outgoing', callId);
    return Promise.resolve({ kind: 'placed', reference: callId });
  }
}
