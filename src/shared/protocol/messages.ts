/**
 * The envelope of every host ↔ webview message (DESIGN.md §3 "Webview protocol"): requests with an id and a
 * method named `scope/noun/verb`, replies carrying either a result or an error text, and notifications without
 * a reply. {@link parseEnvelope} checks the envelope; the params of each method are checked by its descriptor.
 */
import { ValidationError } from '../validation/validate';
import type { Validator } from '../validation/validate';

export interface RequestMessage {
  readonly kind: 'request';
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

export interface ReplyMessage {
  readonly kind: 'reply';
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  /** localized, user-facing text when `ok` is false */
  readonly error?: string;
}

export interface NotificationMessage {
  readonly kind: 'notification';
  readonly method: string;
  readonly params: unknown;
}

export type Envelope = RequestMessage | ReplyMessage | NotificationMessage;

/**
 * A typed request: its method name, the validator of its params (run by the receiving side) and — as a phantom
 * type only — its result.
 */
export interface RequestType<P, R> {
  readonly method: string;
  readonly params: Validator<P>;
  /** never set; carries the result type */
  readonly _result?: R;
}

/** A typed notification. */
export interface NotificationType<P> {
  readonly method: string;
  readonly params: Validator<P>;
}

/** Declares a request: method `scope/noun/verb` and the validator of its params. */
export function requestType<P, R>(method: string, params: Validator<P>): RequestType<P, R> {
  return { method, params };
}

/** Declares a notification (no reply). */
export function notificationType<P>(method: string, params: Validator<P>): NotificationType<P> {
  return { method, params };
}

/** Checks the envelope of an incoming message (not its params). @throws ValidationError */
export function parseEnvelope(value: unknown): Envelope {
  if (typeof value !== 'object' || value === null) throw new ValidationError('', 'a message object');
  const m = value as Record<string, unknown>;
  const id = m.id;
  const validId = typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
  switch (m.kind) {
    case 'request':
      if (!validId || typeof m.method !== 'string' || m.method.length > 100)
        throw new ValidationError('', 'a request with id and method');
      return { kind: 'request', id: id as number, method: m.method, params: m.params };
    case 'reply':
      if (!validId || typeof m.ok !== 'boolean') throw new ValidationError('', 'a reply with id and ok');
      return {
        kind: 'reply',
        id: id as number,
        ok: m.ok,
        result: m.result,
        ...(typeof m.error === 'string' ? { error: m.error } : {}),
      };
    case 'notification':
      if (typeof m.method !== 'string' || m.method.length > 100)
        throw new ValidationError('', 'a notification with a method');
      return { kind: 'notification', method: m.method, params: m.params };
    default:
      throw new ValidationError('kind', 'request, reply or notification');
  }
}
