/**
 * Protocol of the webview "SMTP Einstellungen" (issue 7 §1, issue 18 §1, DESIGN.md §3 "Webview protocol"): typed
 * requests with the validators the host runs on every incoming message, the views the host answers with, and the
 * page's saved state (drafts keyed by store). Secrets never travel host → webview: the page learns only
 * {@link SecretPresence}; it sends a secret only when the admin typed a new one, and its saved state never holds one.
 */
import { ValidationError, object, optional, str } from '../validation/validate';
import type { Infer, Validator } from '../validation/validate';
import { emptyMailSettings } from '../mail/settings';
import type { MailSettings, SecretPresence } from '../mail/settings';
import { notificationType, requestType } from './messages';

/** One step line of a finished connection test, as the page shows it (hint already localized by the host). */
export interface TestStepView {
  readonly step: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly reply: string;
  readonly hint?: string;
}

/** A finished connection test, as the page shows it. */
export interface TestReportView {
  readonly ok: boolean;
  readonly lines: readonly TestStepView[];
  /** localized OAuth token failure */
  readonly oauth?: string;
  /** localized client-secret expiry line */
  readonly expiry?: string;
  readonly durationMs: number;
  /** the recipient of the test mail */
  readonly to: string;
  /** ISO-8601 UTC: when the test finished */
  readonly at: string;
}

/** What the ready handshake returns. `blocked` (localized) is set when this user may not use the form. */
export interface MailInitView {
  readonly blocked: string | null;
  /** an opaque key of the open store: the page keeps one draft per store under it */
  readonly storeKey: string;
  readonly settings: MailSettings;
  readonly presence: SecretPresence;
  readonly canEdit: boolean;
  /** a connection test of this store is running (the page shows busy and waits for {@link testFinishedNotification}) */
  readonly testing: boolean;
  /** the last test of this store while the panel was open, kept until shown (also when it finished while hidden) */
  readonly report: TestReportView | null;
}

/** What a save returns: the normalised settings and which secrets are now set. */
export interface MailSavedView {
  readonly settings: MailSettings;
  readonly presence: SecretPresence;
}

/** The keys a form may send (those of {@link MailSettings}). */
const SETTING_KEYS = new Set(Object.keys(emptyMailSettings()));

/** The form values: only settings keys, each a string (≤ 2000 chars), a number or a boolean; the host validates the rest. */
export const formValuesValidator: Validator<Readonly<Record<string, string | number | boolean>>> = (
  value,
  path = '',
) => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(path, 'an object');
  const out: Record<string, string | number | boolean> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const at = path ? `${path}.${key}` : key;
    if (!SETTING_KEYS.has(key)) throw new ValidationError(at, 'no such field');
    if ((typeof v === 'string' && v.length <= 2000) || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else throw new ValidationError(at, 'a string of at most 2000 characters, a number or true/false');
  }
  return out;
};

const saveParams = object({
  values: formValuesValidator,
  /** only what the admin typed anew in this form; never echoed back */
  secrets: object({ password: optional(str(1000)), clientSecret: optional(str(1000)) }),
});
export type MailSaveParams = Infer<typeof saveParams>;
const testParams = object({ to: str(320) });
const empty = object({});

export const mailInitRequest = requestType<Infer<typeof empty>, MailInitView>('mail/settings/init', empty);
export const mailSaveRequest = requestType<MailSaveParams, MailSavedView>('mail/settings/save', saveParams);
/** runs "Verbindung testen"; an invalid recipient or incomplete settings come back as an error reply */
export const mailTestRequest = requestType<Infer<typeof testParams>, TestReportView>('mail/test/run', testParams);
/** host → webview: a connection test finished (also sent when the request's page was gone meanwhile) */
export const testFinishedNotification = notificationType<{ report: TestReportView }>(
  'mail/test/finished',
  (value, path = '') => {
    const report = (value as { report?: unknown } | null)?.report as Partial<TestReportView> | undefined;
    if (typeof report !== 'object' || report === null || typeof report.ok !== 'boolean' || !Array.isArray(report.lines))
      throw new ValidationError(`${path}.report`, 'a test report');
    return { report: report as TestReportView };
  },
);
/** host → webview: the signed-in user or the store changed; the page runs the init handshake again */
export const mailSessionChangedNotification = notificationType<Infer<typeof empty>>('mail/session/changed', empty);

/** Keys of the localized strings the host passes to the page (through the HTML shell's boot block). */
export const MAIL_STRING_KEYS = [
  'title',
  'field.authType',
  'auth.basic',
  'auth.oauth',
  'field.host',
  'field.port',
  'field.ssl',
  'field.allowInsecureAuth',
  'field.user',
  'field.password',
  'field.from',
  'field.schedulerRecipient',
  'field.schedulerRecipient2',
  'field.clientId',
  'field.objectId',
  'field.clientSecret',
  'field.secretValidUntil',
  'field.tenant',
  'field.authorityHost',
  'field.notifyAddress',
  'field.testRecipient',
  'secret.set',
  'secret.notSet',
  'mode.implicit',
  'mode.starttls',
  'mode.none',
  'save',
  'test',
  'testOAuth',
  'result.ok',
  'result.failed',
  'group.server',
  'group.auth',
  'group.recipients',
  'group.test',
  'col.step',
  'col.status',
  'col.reply',
  'status.ok',
  'status.failed',
  'status.skipped',
  'saving',
  'saved',
  'testing',
  'readOnly',
] as const;
export type MailStringKey = (typeof MAIL_STRING_KEYS)[number];

/** Field names that hold secrets in the form; they are never part of a saved webview state. */
export const SECRET_FIELDS = ['password', 'clientSecret'] as const;

/** One store's unsaved draft: the form values without any secret field, and the test recipient. */
export interface MailDraft {
  readonly values: Readonly<Record<string, unknown>>;
  readonly testRecipient: string;
}

/** What the page keeps with `setState`: one draft per store key, so another store's draft never covers these settings. */
export interface MailPageState {
  readonly drafts: Readonly<Record<string, MailDraft>>;
}

/** The values without secret fields (what may go into the page state). */
export function withoutSecrets(values: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const draft: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values))
    if (!(SECRET_FIELDS as readonly string[]).includes(key)) draft[key] = value;
  return draft;
}

/** The page state read back from `getState()` (anything malformed or from an older page counts as no drafts). */
export function readPageState(state: unknown): MailPageState {
  const drafts = (state as { drafts?: unknown } | undefined)?.drafts;
  if (typeof drafts !== 'object' || drafts === null || Array.isArray(drafts)) return { drafts: {} };
  const out: Record<string, MailDraft> = {};
  for (const [key, d] of Object.entries(drafts as Record<string, unknown>)) {
    const values = (d as { values?: unknown }).values;
    const testRecipient = (d as { testRecipient?: unknown }).testRecipient;
    if (typeof values === 'object' && values !== null)
      out[key] = {
        values: withoutSecrets(values as Record<string, unknown>),
        testRecipient: typeof testRecipient === 'string' ? testRecipient : '',
      };
  }
  return { drafts: out };
}

/** The state with this store's draft replaced (secrets dropped); other stores' drafts stay. */
export function keepDraft(
  state: MailPageState,
  storeKey: string,
  values: Readonly<Record<string, unknown>>,
  testRecipient: string,
): MailPageState {
  return { drafts: { ...state.drafts, [storeKey]: { values: withoutSecrets(values), testRecipient } } };
}

/** The state without this store's draft (after a save: the saved settings are the truth again). */
export function dropDraft(state: MailPageState, storeKey: string): MailPageState {
  const drafts = { ...state.drafts };
  delete drafts[storeKey];
  return { drafts };
}

/** What the form shows for a store: its own unsaved draft over the saved settings, never another store's draft. */
export function formValuesFor(state: MailPageState, init: Pick<MailInitView, 'storeKey' | 'settings'>): MailDraft {
  const draft = state.drafts[init.storeKey];
  return draft
    ? { values: { ...init.settings, ...draft.values }, testRecipient: draft.testRecipient }
    : { values: { ...init.settings }, testRecipient: '' };
}
