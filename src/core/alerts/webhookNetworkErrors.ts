/**
 * Why a webhook request could not be made (issue 21, found in the new-user trial): node's network error codes and a
 * proxy's refusal as one reason with its fix, naming at most the host name — never the port, path or query of a
 * webhook URL (the query is its signature).
 */

/** Where a network error happened: the target's host name and, with a proxy, the proxy's host name. */
export interface NetworkErrorContext {
  /** the webhook's host name (never port, path or query: the query is the signature) */
  readonly host: string;
  /** the proxy's host name when the request went through one */
  readonly proxyHost?: string;
  /** how to trust a company CA (default `--webhook-ca FILE`) */
  readonly caHint?: string;
  /** the connect deadline (ms), for the timeout reason */
  readonly connectTimeoutMs?: number;
}

/** `10 s`, or `300 ms` below a second. */
function seconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);

/**
 * One clear reason with its fix for a connection that failed (Node error codes of net, dns, tls and the
 * proxy's CONNECT answer). Names at most the host name of the webhook or the proxy.
 * @param code the Node error code (`ECONNREFUSED`, `ENOTFOUND`, `CERT_HAS_EXPIRED`, …) or this module's own
 *        `connect timeout` / `no answer before the deadline`
 */
export function networkReason(code: string, context: NetworkErrorContext): string {
  const { host, proxyHost } = context;
  const caHint = context.caHint ?? '--webhook-ca FILE';
  // connection-level errors with a proxy concern the proxy (the tunnel's far end is reached by the proxy)
  const peer = proxyHost !== undefined ? `the proxy ${proxyHost}` : host;
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return proxyHost !== undefined
        ? `the host name of the proxy ${proxyHost} was not found (DNS, ${code}): check HTTPS_PROXY`
        : `the host name ${host} was not found (DNS, ${code}): check the URL in the environment variable and whether a proxy is needed (HTTPS_PROXY, NO_PROXY)`;
    case 'ECONNREFUSED':
      return `${peer} refused the connection (${code}): nothing accepts connections on that port — check the ${proxyHost !== undefined ? 'proxy in HTTPS_PROXY' : 'URL, a firewall, or whether a proxy is needed (HTTPS_PROXY)'}`;
    case 'connect timeout':
    case 'ETIMEDOUT':
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `no connection to ${peer} ${code === 'connect timeout' && context.connectTimeoutMs !== undefined ? `within ${seconds(context.connectTimeoutMs)} (connect deadline)` : `(${code})`}: a firewall drops the traffic${proxyHost !== undefined ? '' : ' or a proxy is needed (HTTPS_PROXY)'}`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `${peer} closed the connection (${code}, socket hang up): a firewall or a TLS-inspecting proxy cut it — check the proxy (HTTPS_PROXY, ${caHint})`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the certificate of ${host} is not valid now (${code}): check this machine's clock; a company TLS-inspection proxy needs ${caHint}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate presented for ${host} is not issued for that name (${code}): check the host name in the URL; behind a company TLS-inspection proxy give ${caHint}`;
    case 'no answer before the deadline':
      return `no answer from ${host} before the deadline`;
    default:
      if (TLS_UNTRUSTED.has(code))
        return `the certificate of ${host} is not trusted (${code}): give ${caHint} for a company TLS-inspection CA`;
      if (/^ERR_SSL_|^EPROTO$|^ERR_TLS_/.test(code))
        return `the TLS connection to ${host} failed (${code}): a proxy or firewall interferes, or the server speaks no TLS on that port`;
      return `the connection to ${peer} failed (${code})`;
  }
}

/** The reason for a proxy that refused the CONNECT tunnel (RFC 9110 §9.3.6; 407: RFC 9110 §15.5.8). */
export function proxyRefusalReason(status: number, context: NetworkErrorContext): string {
  const proxy = context.proxyHost ?? 'the proxy';
  if (status === 407)
    return `the proxy ${proxy} asks for authentication (HTTP 407): put user:password into HTTPS_PROXY (http://user:password@proxy:port)`;
  if (status === 403)
    return `the proxy ${proxy} does not allow connections to ${context.host} (HTTP 403): ask for ${context.host} to be allowed, or add it to NO_PROXY if it is reached directly`;
  return `the proxy ${proxy} refused the tunnel to ${context.host} (HTTP ${status})`;
}
