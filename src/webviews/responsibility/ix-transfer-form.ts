/**
 * `<ix-transfer-form>` — the form "Verantwortlichen ändern" (issue 8 §2–3): user pickers with search, scope (all
 * objects | chosen objects with a searchable multi-select), team filter, modules, roles, open/closed; "Vorschau"
 * shows counts per module and role, warnings and a paged list; "Ausführen" asks for confirmation with the totals;
 * the result offers "Rückgängig machen"; the history lists every batch with undo. All decisions are made by the host
 * (and core); the page only collects the draft and shows answers. The draft survives reloads via `setState`.
 */
import { LitElement, html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import {
  applyRequest,
  historyRequest,
  initRequest,
  pageRequest,
  prefillNotification,
  previewRequest,
  sessionChangedNotification,
  undoRequest,
} from '../../shared/protocol/responsibility';
import type { InitView, TransferDraft, TransferPrefill, TransferStringKey } from '../../shared/protocol/responsibility';
import type { HostConnection } from '../common/host';
import { transferFormStyles } from './ix-transfer-form.styles';
import { renderDraftFields } from './transfer-draft-fields';
import { renderHistory } from './transfer-history';
import type { HistoryProps } from './transfer-history';
import { renderPreview } from './transfer-preview';
import type { PreviewProps } from './transfer-preview';
import { renderResult } from './transfer-result';
import type { ResultProps } from './transfer-result';
import { restoreDraft } from './transfer-state';
import type { FormState } from './transfer-state';

export class IxTransferForm extends LitElement {
  static override properties = { s: { state: true } };
  static override styles = transferFormStyles;

  declare s: FormState;

  constructor(private readonly host: HostConnection<TransferStringKey>) {
    super();
    this.s = {
      init: undefined,
      draft: restoreDraft(host.getState()),
      preview: undefined,
      previewKey: '',
      records: [],
      offset: 0,
      confirming: false,
      result: undefined,
      undoResult: undefined,
      history: [],
      busy: true,
      error: null,
    };
    host.endpoint.onNotification(prefillNotification, (prefill) => this.applyPrefill(prefill));
    host.endpoint.onNotification(sessionChangedNotification, () => void this.load());
    void this.load();
  }

  private t(key: TransferStringKey, ...args: Array<string | number>): string {
    return this.host.t(key, ...args);
  }

  private update_(patch: Partial<FormState>): void {
    this.s = { ...this.s, ...patch };
    this.host.setState({ draft: this.s.draft });
  }

  private async load(): Promise<void> {
    this.update_({ busy: true, error: null });
    try {
      const init = await this.host.endpoint.request(initRequest, {});
      this.update_({ init, history: init.history, busy: false, preview: undefined });
      if (init.prefill) this.applyPrefill(init.prefill);
    } catch (error) {
      this.update_({ busy: false, error: message(error) });
    }
  }

  private applyPrefill(prefill: TransferPrefill): void {
    const d = this.s.draft;
    this.update_({
      draft: {
        ...d,
        ...(prefill.fromLogin !== undefined ? { fromLogin: prefill.fromLogin } : {}),
        ...(prefill.toLogin !== undefined ? { toLogin: prefill.toLogin } : {}),
        ...(prefill.objectNos && prefill.objectNos.length > 0
          ? { scope: 'objects' as const, objectNos: prefill.objectNos }
          : {}),
      },
      preview: undefined,
      result: undefined,
      undoResult: undefined,
    });
  }

  private setDraft(patch: Partial<TransferDraft>): void {
    this.update_({ draft: { ...this.s.draft, ...patch }, confirming: false });
  }

  private async run<T>(body: () => Promise<T>, after: (value: T) => Partial<FormState>): Promise<void> {
    this.update_({ busy: true, error: null });
    try {
      const value = await body();
      this.update_({ busy: false, ...after(value) });
    } catch (error) {
      this.update_({ busy: false, confirming: false, error: message(error) });
    }
  }

  private preview(): Promise<void> {
    const draft = this.s.draft;
    return this.run(
      () => this.host.endpoint.request(previewRequest, draft),
      (preview) => ({
        preview,
        previewKey: JSON.stringify(draft),
        records: preview.records,
        offset: 0,
        confirming: false,
        result: undefined,
        undoResult: undefined,
      }),
    );
  }

  private page(offset: number): Promise<void> {
    return this.run(
      () => this.host.endpoint.request(pageRequest, { offset }),
      (records) => ({ records, offset }),
    );
  }

  private apply(): Promise<void> {
    const preview = this.s.preview;
    if (!preview) return Promise.resolve();
    return this.run(
      async () => {
        const result = await this.host.endpoint.request(applyRequest, { fingerprint: preview.fingerprint });
        const history = await this.host.endpoint.request(historyRequest, {});
        return { result, history };
      },
      ({ result, history }) => ({ result, history, preview: undefined, confirming: false, undoResult: undefined }),
    );
  }

  private undo(batchId: string): Promise<void> {
    return this.run(
      async () => {
        const undoResult = await this.host.endpoint.request(undoRequest, { batchId });
        const history = await this.host.endpoint.request(historyRequest, {});
        return { undoResult, history };
      },
      ({ undoResult, history }) => ({ undoResult, history, result: undefined, preview: undefined }),
    );
  }

  override render(): TemplateResult {
    const init = this.s.init;
    return html`
      <h1>${this.t('title')}</h1>
      ${this.s.error ? html`<p class="err" id="error" role="alert">${this.t('error')}: ${this.s.error}</p>` : nothing}
      ${init?.blocked ? html`<p class="err" id="blocked" role="alert">${init.blocked}</p>` : nothing}
      ${init && !init.blocked ? this.renderDraftFields(init) : nothing}
      <div id="status" role="status" aria-live="polite" aria-busy=${this.s.busy ? 'true' : 'false'}>
        ${this.s.busy ? html`<p class="muted"><vscode-progress-ring aria-hidden="true"></vscode-progress-ring> ${this.t('working')}</p>` : nothing}
      </div>
      ${renderPreview(this.previewProps())}
      <div id="results" aria-live="polite">${renderResult(this.resultProps())}</div>
      ${init && !init.blocked ? renderHistory(this.historyProps()) : nothing}
    `;
  }

  private renderDraftFields(init: InitView): TemplateResult {
    return renderDraftFields({
      t: this.t.bind(this),
      init,
      draft: this.s.draft,
      busy: this.s.busy,
      setDraft: (patch) => this.setDraft(patch),
      onPreview: () => this.preview(),
    });
  }

  private previewProps(): PreviewProps {
    const s = this.s;
    return {
      t: this.t.bind(this),
      init: s.init,
      preview: s.preview,
      stale: JSON.stringify(s.draft) !== s.previewKey,
      records: s.records,
      offset: s.offset,
      confirming: s.confirming,
      busy: s.busy,
      onPage: (offset) => this.page(offset),
      onConfirming: (confirming) => this.update_({ confirming }),
      onApply: () => this.apply(),
    };
  }

  private resultProps(): ResultProps {
    return {
      t: this.t.bind(this),
      result: this.s.result,
      undoResult: this.s.undoResult,
      busy: this.s.busy,
      onUndo: (batchId) => this.undo(batchId),
    };
  }

  private historyProps(): HistoryProps {
    return {
      t: this.t.bind(this),
      history: this.s.history,
      lang: this.host.boot.lang,
      busy: this.s.busy,
      onUndo: (batchId) => this.undo(batchId),
    };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
