/**
 * One message endpoint class for both sides of a webview (DESIGN.md §3): numbered requests with a pending map and
 * a timeout, replies carrying results or error texts, notifications, and handlers that receive only params their
 * descriptor's validator accepted. Malformed messages are dropped and reported through `onInvalid`.
 */
import { parseEnvelope } from './messages';
import type { Envelope, NotificationType, RequestType } from './messages';

type Handler = (params: unknown) => unknown;

/** Options of {@link MessageEndpoint}. */
export interface EndpointOptions {
  /** sends one message to the other side (`webview.postMessage` / `vscodeApi.postMessage`) */
  readonly post: (message: Envelope) => void;
  /** ms after which an unanswered request fails (default 60 000) */
  readonly timeoutMs?: number;
  /** turns a handler's exception into the user-facing error text of the reply (e.g. localized on the host) */
  readonly describeError?: (error: unknown) => string;
  /** called with every message that failed validation (logged on the host) */
  readonly onInvalid?: (problem: string) => void;
}

/** One side of a host ↔ webview connection (see the file comment). */
export class MessageEndpoint {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly requestHandlers = new Map<string, { check: (p: unknown) => unknown; handler: Handler }>();
  private readonly notificationHandlers = new Map<string, { check: (p: unknown) => unknown; handler: Handler }>();

  constructor(private readonly options: EndpointOptions) {}

  /** Sends a request and resolves with its result. @throws Error with the other side's error text, or on timeout */
  request<P, R>(type: RequestType<P, R>, params: P): Promise<R> {
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${type.method}: no answer within ${this.options.timeoutMs ?? 60_000} ms`));
      }, this.options.timeoutMs ?? 60_000);
      this.pending.set(id, { resolve: (v) => resolve(v as R), reject, timer });
      this.options.post({ kind: 'request', id, method: type.method, params });
    });
  }

  /** Sends a notification (no reply). */
  notify<P>(type: NotificationType<P>, params: P): void {
    this.options.post({ kind: 'notification', method: type.method, params });
  }

  /** Handles requests of `type`; the handler sees validated params only. */
  onRequest<P, R>(type: RequestType<P, R>, handler: (params: P) => R | Promise<R>): void {
    this.requestHandlers.set(type.method, { check: (p) => type.params(p, 'params'), handler: (p) => handler(p as P) });
  }

  /** Handles notifications of `type`; the handler sees validated params only. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): void {
    this.notificationHandlers.set(type.method, {
      check: (p) => type.params(p, 'params'),
      handler: (p) => handler(p as P),
    });
  }

  /**
   * Runs one request as the other side would send it (same validation, same handlers) and returns the reply's
   * result — for in-host tests of a panel. @throws Error with the error text of a failed request
   */
  invokeAsPeer(method: string, params: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      void this.receive({ kind: 'request', id: 0, method, params }, (reply) => {
        if (reply.kind !== 'reply') return;
        if (reply.ok) resolve(reply.result);
        else reject(new Error(reply.error));
      });
    });
  }

  /**
   * Feeds one incoming message (from `onDidReceiveMessage` / `window` message events).
   * @param replyTo where the reply of a request goes (default: the other side; in-host tests pass their own)
   */
  async receive(raw: unknown, replyTo: (message: Envelope) => void = this.options.post): Promise<void> {
    let message: Envelope;
    try {
      message = parseEnvelope(raw);
    } catch (error) {
      this.options.onInvalid?.(String(error));
      return;
    }
    if (message.kind === 'reply') {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.ok) waiting.resolve(message.result);
      else waiting.reject(new Error(message.error ?? 'failed'));
      return;
    }
    const table = message.kind === 'request' ? this.requestHandlers : this.notificationHandlers;
    const entry = table.get(message.method);
    if (!entry) {
      this.options.onInvalid?.(`unknown method ${message.method}`);
      if (message.kind === 'request')
        replyTo({ kind: 'reply', id: message.id, ok: false, error: `unknown method ${message.method}` });
      return;
    }
    try {
      const params = entry.check(message.params);
      const result = await entry.handler(params);
      if (message.kind === 'request') replyTo({ kind: 'reply', id: message.id, ok: true, result });
    } catch (error) {
      const text = this.options.describeError
        ? this.options.describeError(error)
        : error instanceof Error
          ? error.message
          : String(error);
      if (error instanceof Error && error.name === 'ValidationError') this.options.onInvalid?.(error.message);
      if (message.kind === 'request') replyTo({ kind: 'reply', id: message.id, ok: false, error: text });
    }
  }

  /** Rejects every pending request (panel closed). */
  dispose(): void {
    for (const [, waiting] of this.pending) {
      clearTimeout(waiting.timer);
      waiting.reject(new Error('closed'));
    }
    this.pending.clear();
  }
}
