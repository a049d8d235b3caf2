/**
 * Protocol of the webview "Stammdaten importieren" preview (issue 22 "VS Code"): the view of one read and planned
 * file the host sends (everything already localized on the host), and the typed requests with their param
 * validators (the host validates every incoming message with them). The page holds no secret and no store data
 * beyond what the preview shows.
 */
import { bool, object, str } from '../validation/validate';
import type { Infer } from '../validation/validate';
import { requestType } from './messages';

/** At most this many rows per list (invalid rows, warnings, reconstructed cells, changes) reach the page. */
export const IMPORT_PREVIEW_LIST_LIMIT = 500;

/** One labelled fact about the file ("Encoding: Windows-1252 (detected)"). */
export interface DetectedFact {
  readonly label: string;
  readonly value: string;
}

/** A row issue: row number, column (letter and header), localized reason. */
export interface IssueView {
  readonly row: number;
  /** CSV: the physical line where the record starts, when it differs from the row */
  readonly line: number | null;
  /** `C (Telefon privat)`, or null when the issue concerns the whole row */
  readonly column: string | null;
  readonly text: string;
  /** deactivation warnings: the login that still holds assignments (offers "Verantwortlichen ändern") */
  readonly holderLogin: string | null;
}

export interface ReconstructedView {
  readonly row: number;
  readonly column: string;
  readonly stored: string;
  readonly used: string;
  readonly text: string;
}

export interface ChangeView {
  readonly row: number;
  readonly key: string;
  /** `field: before → after` per changed field */
  readonly changes: readonly string[];
}

/** A list capped at {@link IMPORT_PREVIEW_LIST_LIMIT}; `total` is the full length. */
export interface Capped<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/** The preview of one file. */
export interface ImportPreviewView {
  /** localized text when the page cannot show a preview (signed out, store closed …) */
  readonly blocked: string | null;
  readonly fileName: string;
  /** localized kind (German: Personen, Kreditoren …) and how it was chosen */
  readonly kindLabel: string;
  readonly detected: readonly DetectedFact[];
  /** notes about the file itself (localized) */
  readonly notes: readonly string[];
  /** `A Pers.-Nr. → personNo` */
  readonly columns: readonly string[];
  readonly unknownColumns: readonly string[];
  readonly ignoredFields: readonly string[];
  readonly counts: {
    readonly new: number;
    readonly changed: number;
    readonly unchanged: number;
    readonly invalid: number;
  };
  readonly blankRows: number;
  readonly invalid: Capped<IssueView>;
  readonly warnings: Capped<IssueView>;
  readonly reconstructed: Capped<ReconstructedView>;
  readonly changes: Capped<ChangeView>;
  /** set once the import was written (the page then shows the result instead of the buttons) */
  readonly result: ImportResultView | null;
}

/** What was written. */
export interface ImportResultView {
  /** undefined when nothing had to be written */
  readonly batchId: string | null;
  /** localized summary line */
  readonly text: string;
}

const empty = object({});

export const importInitRequest = requestType<Infer<typeof empty>, ImportPreviewView>('import/session/init', empty);
export const importApplyRequest = requestType<{ skipInvalid: boolean }, ImportResultView | null>(
  'import/batch/apply',
  object({ skipInvalid: bool() }),
);
export const importUndoRequest = requestType<{ batchId: string }, string | null>(
  'import/batch/undo',
  object({ batchId: str(40) }),
);
export const importCancelRequest = requestType<Infer<typeof empty>, null>('import/panel/cancel', empty);
export const importTransferRequest = requestType<{ login: string }, null>(
  'import/responsible/open',
  object({ login: str(8) }),
);

/** Keys of the localized strings the host passes to the page (the host fills each with `vscode.l10n.t`). */
export const IMPORT_STRING_KEYS = [
  'title',
  'detected',
  'columns',
  'unknownColumns',
  'ignoredFields',
  'counts',
  'countNew',
  'countChanged',
  'countUnchanged',
  'countInvalid',
  'blankRows',
  'nothingToWrite',
  'invalidRows',
  'warnings',
  'reconstructed',
  'changes',
  'row',
  'line',
  'column',
  'reason',
  'stored',
  'used',
  'key',
  'change',
  'more',
  'none',
  'skipInvalid',
  'import',
  'cancel',
  'blocked',
  'working',
  'transfer',
  'undo',
  'error',
] as const;
export type ImportStringKey = (typeof IMPORT_STRING_KEYS)[number];
export type ImportStrings = Readonly<Record<ImportStringKey, string>>;
