/**
 * An HTTP server on 127.0.0.1 (free port) acting as a Microsoft Teams Workflows webhook or a generic JSON receiver
 * for the alert tests (issue 21): it records every request (path with query, headers, parsed JSON body, arrival
 * time) and answers as scripted per request — a status with headers (429 + Retry-After …), or no answer at all
 * (`hang`). Like a Workflows trigger it answers 202 Accepted with an empty body by default.
 */
import * as http from 'node:http';
import type * as net from 'node:net';

/** One recorded request. */
export interface WebhookRequest {
  readonly method: string;
  /** path and query, e.g. `/workflows/abc/triggers/manual/paths/invoke?sig=…` */
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
  /** Date.now() at arrival */
  readonly at: number;
}

/** The answer to one request: a status (default 202) with headers and body, or `hang` (never answer). */
export type WebhookReply = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A running peer. */
export interface WebhookPeer {
  readonly port: number;
  /** a URL with a signature-like query, as Power Automate gives (`path` default `/workflows/<id>/triggers/manual/paths/invoke`) */
  url(path?: string): string;
  readonly requests: WebhookRequest[];
  /** sets how the n-th request (1-based, counted from now) and the ones after are answered */
  script(replies: readonly WebhookReply[], then?: WebhookReply): void;
  close(): Promise<void>;
}

/** The secret-looking query every test URL carries (tests check it never shows up in messages). */
export const WEBHOOK_SIGNATURE = 'sig=Zm9vYmFyU2VjcmV0U2lnbmF0dXJlMTIzNDU2Nzg5';

/** Starts the peer. */
export async function startWebhookPeer(): Promise<WebhookPeer> {
  const requests: WebhookRequest[] = [];
  let replies: WebhookReply[] = [];
  let fallback: WebhookReply = { status: 202 };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // kept as text
      }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      const reply = replies.length > 0 ? (replies.shift() as WebhookReply) : fallback;
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'Content-Type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: (path = '/workflows/4711abcdef/triggers/manual/paths/invoke') =>
      `http://127.0.0.1:${port}${path}?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&${WEBHOOK_SIGNATURE}`,
    requests,
    script(next, then) {
      replies = [...next];
      if (then !== undefined) fallback = then;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
