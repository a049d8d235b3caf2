/**
 * The answer to "Ausführen" (with "Rückgängig machen") or to an undo (with the records it had to skip), issue 8 §3.
 * Rendered into the shadow root of `<ix-transfer-form>`.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { BatchView, UndoView } from '../../shared/protocol/responsibility';
import type { Translate } from './transfer-labels';

/** The last run or undo, and where "Rückgängig machen" goes. */
export interface ResultProps {
  readonly t: Translate;
  readonly result: BatchView | undefined;
  readonly undoResult: UndoView | undefined;
  readonly busy: boolean;
  /** undoes the batch with this id */
  readonly onUndo: (batchId: string) => Promise<void>;
}

/** Renders into the host element's shadow root (its styles apply). */
export function renderResult(v: ResultProps): TemplateResult | typeof nothing {
  const { t } = v;
  const r = v.result;
  const u = v.undoResult;
  if (r) {
    return html`<section class="box ok" id="result">
      <p id="result-text">${t('done', r.batchId, r.total, r.from, r.to)}</p>
      <vscode-button id="undo-result" ?disabled=${v.busy} @click=${() => void v.onUndo(r.batchId)}
        >${t('undo')}</vscode-button
      >
    </section>`;
  }
  if (u) {
    return html`<section class="box ok" id="undo-result-box">
      <p id="undo-text">${t('undone', u.batchId, u.restored)}</p>
      ${
        u.skipped.length > 0
          ? html`<p class="warn">${t('undoSkipped', u.skipped.length)}</p>
              <ul>
                ${u.skipped.slice(0, 100).map((line) => html`<li>${line}</li>`)}
              </ul>`
          : nothing
      }
    </section>`;
  }
  return nothing;
}
