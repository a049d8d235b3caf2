/**
 * VS Code's proxy settings for the core's Entra ID / Graph requests (issue 17 §4): `http.proxy` (else the
 * environment's HTTPS_PROXY, as VS Code itself does), `http.noProxy` (else NO_PROXY) and `http.proxyStrictSSL`
 * (default true). Read at each use, so a changed setting applies without a reload.
 */
import * as vscode from 'vscode';
import { HttpsClient } from '../../core/mail/oauth';
import { proxyFromEnv } from '../../core/mail/proxy';
import type { ProxyConfig } from '../../core/mail/proxy';

/** The proxy configuration VS Code is set to. */
export function proxyFromVsCode(): ProxyConfig {
  const http = vscode.workspace.getConfiguration('http');
  const env = proxyFromEnv();
  const url = (http.get<string>('proxy') ?? '').trim() || env.url || '';
  const noProxyList = http.get<string[]>('noProxy') ?? [];
  const noProxy = noProxyList.length > 0 ? noProxyList.join(',') : env.noProxy;
  return {
    ...(url ? { url } : {}),
    ...(noProxy ? { noProxy } : {}),
    strictSSL: http.get<boolean>('proxyStrictSSL') ?? true,
  };
}

/** An HTTP client for Entra ID / Graph with VS Code's proxy settings and an optional extra CA. */
export function vscodeHttpsClient(ca?: string | Buffer): HttpsClient {
  return new HttpsClient({ ...(ca ? { ca } : {}), proxy: proxyFromVsCode() });
}
