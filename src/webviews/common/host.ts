/**
 * The page side of the webview plumbing (DESIGN.md §3): the boot block the host wrote (title, language, nonce,
 * localized strings), the VS Code webview API, a {@link MessageEndpoint} to the host, and `setState`/`getState`
 * for the draft (never a secret). Shared by every webview of the suite.
 */
import { MessageEndpoint } from '../../shared/protocol/endpoint';
import type { Envelope } from '../../shared/protocol/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** What the host wrote into `<script id="ix-boot" type="application/json">`. */
export interface Boot<K extends string> {
  readonly title: string;
  readonly lang: string;
  readonly nonce: string;
  readonly strings: Readonly<Record<K, string>>;
}

/** A connection of this page to its host. */
export interface HostConnection<K extends string> {
  readonly boot: Boot<K>;
  readonly endpoint: MessageEndpoint;
  /** the localized string `key` with `{0}`, `{1}` … filled in */
  t(key: K, ...args: Array<string | number>): string;
  getState(): unknown;
  setState(state: unknown): void;
}

/** Reads the boot block, sets Lit's style nonce and connects to the host. Call once per page. */
export function connectToHost<K extends string>(): HostConnection<K> {
  const element = document.getElementById('ix-boot');
  const boot = JSON.parse(element?.textContent ?? '{}') as Boot<K>;
  // Lit's <style> fallback (no constructable style sheets) needs the CSP nonce
  (globalThis as { litNonce?: string }).litNonce = boot.nonce;
  const api = acquireVsCodeApi();
  const endpoint = new MessageEndpoint({ post: (message: Envelope) => api.postMessage(message), timeoutMs: 120_000 });
  window.addEventListener('message', (event: MessageEvent<unknown>) => void endpoint.receive(event.data));
  return {
    boot,
    endpoint,
    t: (key, ...args) =>
      (boot.strings[key] ?? key).replace(/\{(\d+)\}/g, (whole, i: string) => String(args[Number(i)] ?? whole)),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
