/**
 * The one interface behind which every telephone system sits (product.md §7, issue 9 "Providers"): Fritz!Box call
 * monitor, Asterisk AMI and the simulator. Events are normalised here; lookup, alerting and the journal happen in
 * `ctiSession.ts`, not in a provider.
 */
import type { ConnectionStatus } from '../net/reconnectingConnection';

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
export type ProviderStatus = ConnectionStatus;

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
