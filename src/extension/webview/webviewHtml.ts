/**
 * The HTML shell of every webview of the suite (DESIGN.md §3 "Webview safety"): a strict Content-Security-Policy
 * (`default-src 'none'`, scripts and styles only with a per-load nonce or from the extension's webview folder, no
 * `'unsafe-inline'`), one ES module script, and a JSON boot block with the title, language, nonce and the localized
 * strings the page shows. Generic: the SMTP settings webview uses it the same way.
 */
import { randomBytes } from 'node:crypto';

/** What {@link buildWebviewHtml} needs. URIs and the CSP source are strings so the builder stays testable without VS Code. */
export interface WebviewPage {
  /** window title (localized) */
  readonly title: string;
  /** `webview.asWebviewUri(dist/webviews/<name>.js)` as a string */
  readonly scriptUri: string;
  /** `webview.cspSource` */
  readonly cspSource: string;
  /** from {@link createNonce}, new for every load */
  readonly nonce: string;
  /** `vscode.env.language`, e.g. `de` or `en` */
  readonly lang: string;
  /** the localized strings of the page, by key */
  readonly strings: Readonly<Record<string, string>>;
}

/** The JSON the page reads from `<script id="ix-boot" type="application/json">`. */
export interface WebviewBoot {
  readonly title: string;
  readonly lang: string;
  readonly nonce: string;
  readonly strings: Readonly<Record<string, string>>;
}

/** A fresh CSP nonce: 16 random bytes, base64 (128 bits). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

/** Escapes text for element content and double-quoted attributes (the only kind this template uses). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/** JSON safe inside a `<script>` element: `<`, `>`, `&` and the line separators are escaped. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The Content-Security-Policy of a page (exported for the unit test). */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Lit adopts constructed style sheets (not subject to style-src); its <style> fallback carries the nonce
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Builds the page. @throws Error when the nonce is not base64 (it would break the CSP) */
export function buildWebviewHtml(page: WebviewPage): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(page.nonce)) throw new Error('the CSP nonce must be base64');
  const boot: WebviewBoot = { title: page.title, lang: page.lang, nonce: page.nonce, strings: page.strings };
  return `<!DOCTYPE html>
<html lang="${escapeHtml(page.lang)}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(page.cspSource, page.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(page.title)}</title>
<script id="ix-boot" type="application/json">${scriptJson(boot)}</script>
</head>
<body>
<main id="ix-root"></main>
<script type="module" nonce="${escapeHtml(page.nonce)}" src="${escapeHtml(page.scriptUri)}"></script>
</body>
</html>`;
}
