/**
 * Protocol of the webview "Verantwortlichen ändern" (issue 8 §2–3): the form draft, the views the host sends, and
 * the typed requests with their param validators (the host validates every incoming message with them).
 * Module and role literals mirror src/core/responsibility (a unit test keeps them equal).
 */
import { arrayOf, bool, int, object, oneOf, optional, str } from '../validation/validate';
import type { Infer } from '../validation/validate';
import { notificationType, requestType } from './messages';

export const PROTOCOL_MODULES = ['objects', 'meldungen', 'auftraege', 'technical_objects'] as const;
export const PROTOCOL_ROLES = ['responsible', 'deputy'] as const;
export type ProtocolModule = (typeof PROTOCOL_MODULES)[number];
export type ProtocolRole = (typeof PROTOCOL_ROLES)[number];

/** Records per page of the preview list. */
export const PREVIEW_PAGE_SIZE = 50;

/** The form's draft (also what the webview keeps with `setState`; it holds no secret). */
export const draftValidator = object({
  fromLogin: str(8),
  toLogin: str(8),
  scope: oneOf(['all', 'objects'] as const),
  objectNos: arrayOf(int(1), 10_000),
  /** '' = no team filter */
  team: str(100),
  modules: arrayOf(oneOf(PROTOCOL_MODULES), 4),
  roles: arrayOf(oneOf(PROTOCOL_ROLES), 2),
  includeClosed: bool(),
});
export type TransferDraft = Infer<typeof draftValidator>;

/** A partial draft to prefill the form (from a tree selection or a command argument). */
export const prefillValidator = object({
  fromLogin: optional(str(8)),
  toLogin: optional(str(8)),
  objectNos: optional(arrayOf(int(1), 10_000)),
});
export type TransferPrefill = Infer<typeof prefillValidator>;

export interface UserOption {
  readonly login: string;
  readonly name: string;
  readonly active: boolean;
  readonly coupled: boolean;
}

export interface ObjectOption {
  readonly objectNo: number;
  readonly name: string;
  readonly team: string | null;
}

export interface ModuleOption {
  readonly module: ProtocolModule;
  readonly name: string;
  /** in a valid installed license */
  readonly licensed: boolean;
}

export interface CountView {
  readonly module: ProtocolModule;
  readonly role: ProtocolRole;
  readonly count: number;
}

export interface RecordView {
  readonly objectNo: number;
  readonly objectName: string;
  readonly module: ProtocolModule;
  readonly role: ProtocolRole;
  readonly recordNo: number | null;
  readonly label: string;
  readonly closed: boolean;
}

export interface WarningView {
  readonly code: string;
  readonly blocking: boolean;
  /** localized */
  readonly text: string;
}

export interface PreviewView {
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly counts: readonly CountView[];
  readonly warnings: readonly WarningView[];
  readonly fingerprint: string;
  /** the first page of records */
  readonly records: readonly RecordView[];
}

export interface BatchView {
  readonly batchId: string;
  /** ISO-8601 UTC */
  readonly at: string;
  readonly by: string | null;
  readonly from: string;
  readonly to: string;
  readonly total: number;
  readonly counts: readonly CountView[];
  readonly undoneAt: string | null;
  readonly undoRestored: number | null;
  readonly undoSkipped: number | null;
}

export interface UndoView {
  readonly batchId: string;
  readonly restored: number;
  /** localized lines, one per assignment changed since the transfer */
  readonly skipped: readonly string[];
}

/** What the ready handshake returns. `blocked` (localized) is set when the user may not use the form. */
export interface InitView {
  readonly blocked: string | null;
  readonly users: readonly UserOption[];
  readonly teams: readonly string[];
  readonly objects: readonly ObjectOption[];
  readonly modules: readonly ModuleOption[];
  readonly history: readonly BatchView[];
  readonly prefill: TransferPrefill | null;
}

const empty = object({});

export const initRequest = requestType<Infer<typeof empty>, InitView>('responsibility/session/init', empty);
export const previewRequest = requestType<TransferDraft, PreviewView>('responsibility/plan/preview', draftValidator);
export const pageRequest = requestType<{ offset: number }, RecordView[]>(
  'responsibility/plan/page',
  object({ offset: int(0) }),
);
export const applyRequest = requestType<{ fingerprint: string }, BatchView>(
  'responsibility/batch/apply',
  object({ fingerprint: str(64) }),
);
export const undoRequest = requestType<{ batchId: string }, UndoView>(
  'responsibility/batch/undo',
  object({ batchId: str(40) }),
);
export const historyRequest = requestType<Infer<typeof empty>, BatchView[]>('responsibility/batch/history', empty);
/** host → webview: prefill the form (the command was run again with a selection while the panel was open) */
export const prefillNotification = notificationType<TransferPrefill>('responsibility/form/prefill', prefillValidator);
/** host → webview: the signed-in user or the store changed; the webview runs the init handshake again */
export const sessionChangedNotification = notificationType<Infer<typeof empty>>(
  'responsibility/session/changed',
  empty,
);

/** Keys of the localized strings the host passes to the page (the host fills each with `vscode.l10n.t`). */
export const TRANSFER_STRING_KEYS = [
  'title',
  'from',
  'to',
  'pickUser',
  'scope',
  'scopeAll',
  'scopeObjects',
  'pickObjects',
  'team',
  'teamAny',
  'modules',
  'roles',
  'roleResponsible',
  'roleDeputy',
  'includeClosed',
  'preview',
  'total',
  'module',
  'role',
  'count',
  'object',
  'record',
  'closed',
  'page',
  'prev',
  'next',
  'apply',
  'confirm',
  'confirmYes',
  'cancel',
  'done',
  'undo',
  'undone',
  'undoSkipped',
  'history',
  'historyEmpty',
  'when',
  'by',
  'fromTo',
  'state',
  'stateUndone',
  'stateDone',
  'working',
  'inactive',
  'uncoupled',
  'notLicensed',
  'stale',
  'blocked',
  'error',
] as const;
export type TransferStringKey = (typeof TRANSFER_STRING_KEYS)[number];
export type TransferStrings = Readonly<Record<TransferStringKey, string>>;
