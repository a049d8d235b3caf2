/** State of `<ix-transfer-form>`: what the page holds between host answers, and the draft kept across reloads. */
import { PROTOCOL_MODULES, PROTOCOL_ROLES, draftValidator } from '../../shared/protocol/responsibility';
import type {
  BatchView,
  InitView,
  PreviewView,
  RecordView,
  TransferDraft,
  UndoView,
} from '../../shared/protocol/responsibility';

/** Everything the form renders; replaced as a whole on each change (Lit state). */
export interface FormState {
  readonly init: InitView | undefined;
  readonly draft: TransferDraft;
  readonly preview: PreviewView | undefined;
  /** JSON of the draft the preview was made for (a changed form makes the preview stale) */
  readonly previewKey: string;
  readonly records: readonly RecordView[];
  readonly offset: number;
  readonly confirming: boolean;
  readonly result: BatchView | undefined;
  readonly undoResult: UndoView | undefined;
  readonly history: readonly BatchView[];
  readonly busy: boolean;
  readonly error: string | null;
}

const DEFAULT_DRAFT: TransferDraft = {
  fromLogin: '',
  toLogin: '',
  scope: 'all',
  objectNos: [],
  team: '',
  modules: [...PROTOCOL_MODULES],
  roles: [...PROTOCOL_ROLES],
  includeClosed: false,
};

/** The draft from `getState()`, checked with the protocol's validator (a stale or foreign state falls back to the default). */
export function restoreDraft(state: unknown): TransferDraft {
  try {
    const draft = (state as { draft?: unknown } | undefined)?.draft;
    return draft === undefined ? DEFAULT_DRAFT : draftValidator(draft, 'state.draft');
  } catch {
    return DEFAULT_DRAFT;
  }
}
