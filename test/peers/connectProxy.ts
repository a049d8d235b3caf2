/**
 * An HTTP CONNECT proxy (RFC 9110 §9.3.6) on 127.0.0.1 and a free port, as a company proxy would be: it records
 * every tunnel it was asked for and refuses any target that is not on 127.0.0.1 (tests never send traffic
 * elsewhere). Optional Basic proxy authentication (`Proxy-Authorization`, RFC 9110 §11.7.2).
 */
import * as http from 'node:http';
import * as net from 'node:net';

/** A running proxy. */
export interface ConnectProxy {
  readonly port: number;
  readonly url: string;
  /** `host:port` of every CONNECT, in order (refused ones too) */
  readonly tunnels: string[];
  /** how many CONNECTs were refused (not 127.0.0.1, or bad credentials) */
  readonly refused: () => number;
  close(): Promise<void>;
}

/** Starts the proxy. With `credentials` (`user:pass`) it demands them. */
export async function startConnectProxy(options: { credentials?: string } = {}): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  let refused = 0;
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    // only tunnels: a plain request through this proxy is a mistake of the client
    res.writeHead(405, { 'Content-Type': 'text/plain' });
    res.end('CONNECT only');
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    const target = req.url ?? '';
    tunnels.push(target);
    const expected = options.credentials ? `Basic ${Buffer.from(options.credentials).toString('base64')}` : undefined;
    if (expected && req.headers['proxy-authorization'] !== expected) {
      refused += 1;
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n');
      return;
    }
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(target);
    const host = match?.[1] ?? match?.[2] ?? '';
    if (host !== '127.0.0.1' && host !== 'localhost') {
      refused += 1;
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(match?.[3]), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    tunnels,
    refused: () => refused,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
