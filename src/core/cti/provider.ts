/**
 * The one interface behind which every telephone system sits (product.md §7, issue 9 "Providers"): Fritz!Box call
 * monitor, Asterisk AMI and the simulator. Events are normalised here; lookup, alerting and the journal happen in
 * `ctiSession.ts`, not in a provider.
 */
import type { ConnectionStatus } from '../net/reconnectingConnection';

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
export type ProviderStatus = ConnectionStatus;

/** What {@link CtiProvider.dial} did: the PBX places the call, or the caller must open a `tel:` URI. */
export type DialOutcome =
  { readonly kind: 'placed'; readonly reference: string } | { readonly kind: 'uri'; readonly uri: string };

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
