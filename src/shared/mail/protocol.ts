/**
 * Typed messages between the "SMTP Einstellungen" webview and its host panel (issue 7 §1, DESIGN.md "Webview
 * protocol"). Secrets never travel host → webview: the webview learns only {@link SecretPresence}; it sends a
 * secret to the host only when the admin typed a new one. The webview's saved state ({@link draftForState}) never
 * holds a secret.
 */
import type { MailIssue, MailSettings, SecretPresence } from './settings';

/** A finished connection test, as the webview shows it (hints already localized by the host). */
export interface TestReportView {
  readonly ok: boolean;
  readonly lines: readonly { readonly step: string; readonly status: 'ok' | 'failed' | 'skipped'; readonly reply: string; readonly hint?: string }[];
  readonly oauth?: string;
  readonly expiry?: string;
  readonly durationMs: number;
}

/** Host → webview. */
export type HostToSmtpView =
  | { readonly type: 'mail/settings/init'; readonly settings: MailSettings; readonly presence: SecretPresence; readonly strings: Readonly<Record<string, string>>; readonly canEdit: boolean }
  | { readonly type: 'mail/settings/saved'; readonly settings: MailSettings; readonly presence: SecretPresence }
  | { readonly type: 'mail/settings/refused'; readonly issues: readonly (MailIssue & { readonly text: string })[] }
  | { readonly type: 'mail/test/result'; readonly report: TestReportView };

/** Webview → host. `secrets` only holds what the admin typed anew in this form (never echoed back). */
export type SmtpViewToHost =
  | { readonly type: 'mail/settings/ready' }
  | { readonly type: 'mail/settings/save'; readonly values: Readonly<Record<string, unknown>>; readonly secrets: { readonly password?: string; readonly clientSecret?: string } }
  | { readonly type: 'mail/test/run'; readonly to: string };

/** Field names that hold secrets in the form; they are never part of a saved webview state. */
export const SECRET_FIELDS = ['password', 'clientSecret'] as const;

/** The draft kept with `vscode.setState` (state restore): the form values without any secret field. */
export function draftForState(values: Readonly<Record<string, unknown>>, extra: { testRecipient?: string } = {}): Record<string, unknown> {
  const draft: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) if (!(SECRET_FIELDS as readonly string[]).includes(key)) draft[key] = value;
  return { values: draft, ...extra };
}

/** Type guard for messages from the webview (the host trusts nothing it receives). */
export function isSmtpViewMessage(value: unknown): value is SmtpViewToHost {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (type === 'mail/settings/ready') return true;
  if (type === 'mail/test/run') return typeof (value as { to?: unknown }).to === 'string';
  if (type === 'mail/settings/save') {
    const v = value as { values?: unknown; secrets?: unknown };
    return typeof v.values === 'object' && v.values !== null && typeof v.secrets === 'object' && v.secrets !== null;
  }
  return false;
}
