/**
 * The company proxy for Entra ID (msal-node) and Microsoft Graph requests (issue 17 §4). The CLI and the service
 * take it from the environment (`HTTPS_PROXY`/`https_proxy`, else `ALL_PROXY`; `NO_PROXY`/`no_proxy`), the extension
 * from VS Code's `http.proxy`, `http.noProxy` and `http.proxyStrictSSL` (passed in: core has no vscode import).
 * Requests are tunnelled with HTTP CONNECT (RFC 9110 §9.3.6) by https-proxy-agent; TLS to the target is still
 * end-to-end, so certificate checks stay as they are unless `strictSSL` is false.
 */
import type { Agent } from 'node:http';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { msg } from '../errors';
import { MailError } from './errors';

/** Proxy settings; `url` undefined or '' = connect directly. */
export interface ProxyConfig {
  /** `http://[user:pass@]host:port` (or https://) of the proxy */
  readonly url?: string;
  /** hosts that bypass the proxy: comma/space separated; `*`, `host`, `.domain`/`*.domain` (suffix), optional `:port` */
  readonly noProxy?: string;
  /** verify the target's certificate (VS Code `http.proxyStrictSSL`, default true) */
  readonly strictSSL?: boolean;
}

/** The proxy named by the environment (the conventions curl and most tools follow). */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env): ProxyConfig {
  const url = env.HTTPS_PROXY || env.https_proxy || env.ALL_PROXY || env.all_proxy || '';
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  return { ...(url ? { url } : {}), ...(noProxy ? { noProxy } : {}) };
}

/** Whether `host:port` is excluded from the proxy by a NO_PROXY list. */
export function bypassesProxy(host: string, port: number, noProxy: string | undefined): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  for (const raw of (noProxy ?? '').split(/[\s,]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const match = /^(.*?)(?::(\d+))?$/.exec(entry);
    const pattern = (match?.[1] ?? entry).replace(/^\*?\./, '.').replace(/^\[|\]$/g, '');
    if (match?.[2] && Number(match[2]) !== port) continue;
    if (
      pattern.startsWith('.')
        ? name.endsWith(pattern) || name === pattern.slice(1)
        : name === pattern || name.endsWith(`.${pattern}`)
    )
      return true;
  }
  return false;
}

/**
 * The proxy URL to use for `target`, or undefined for a direct connection.
 * @throws MailError `E_PROXY_URL` when the proxy URL is not an http(s) URL
 */
export function proxyFor(target: string, config: ProxyConfig | undefined): URL | undefined {
  if (!config?.url) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(config.url) ? config.url : `http://${config.url}`);
  } catch {
    throw new MailError(
      'E_PROXY_URL',
      msg(
        'The proxy "{0}" is not a URL like http://proxy.firma.local:8080: correct HTTPS_PROXY or the VS Code setting http.proxy.',
      ),
      [config.url],
    );
  }
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:')
    throw new MailError(
      'E_PROXY_URL',
      msg(
        'The proxy "{0}" is not a URL like http://proxy.firma.local:8080: correct HTTPS_PROXY or the VS Code setting http.proxy.',
      ),
      [config.url],
    );
  const url = new URL(target);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return bypassesProxy(url.hostname, port, config.noProxy) ? undefined : proxy;
}

/** A CONNECT-tunnelling agent for `proxy` (one per client: it keeps no state between requests we rely on). */
export function proxyAgent(proxy: URL): Agent {
  return new HttpsProxyAgent(proxy);
}

/** The proxy without its credentials, for messages and logs. */
export function proxyLabel(proxy: URL): string {
  return `${proxy.protocol}//${proxy.host}`;
}
