/**
 * The history of "Verantwortlichen ändern" (issue 8 §3): every batch with time, author, from → to, count, state, and
 * "Rückgängig machen" for batches not undone yet. Rendered into the shadow root of `<ix-transfer-form>`.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { BatchView } from '../../shared/protocol/responsibility';
import type { Translate } from './transfer-labels';

/** The batches to list and where their undo buttons go. */
export interface HistoryProps {
  readonly t: Translate;
  readonly history: readonly BatchView[];
  /** BCP 47 language of the UI, for the dates (local time zone of the page) */
  readonly lang: string;
  readonly busy: boolean;
  /** undoes the batch with this id */
  readonly onUndo: (batchId: string) => Promise<void>;
}

/** Renders into the host element's shadow root (its styles apply). */
export function renderHistory(v: HistoryProps): TemplateResult {
  const { t } = v;
  const list = v.history;
  const date = (iso: string): string => new Date(iso).toLocaleString(v.lang);
  return html`
    <vscode-divider></vscode-divider>
    <h2>${t('history')}</h2>
    ${
      list.length === 0
        ? html`<p class="muted" id="history-empty">${t('historyEmpty')}</p>`
        : html`<table id="history">
            <thead>
              <tr>
                <th scope="col">${t('when')}</th>
                <th scope="col">${t('by')}</th>
                <th scope="col">${t('fromTo')}</th>
                <th scope="col">${t('count')}</th>
                <th scope="col">${t('state')}</th>
                <th scope="col"><span class="sr-only">${t('undo')}</span></th>
              </tr>
            </thead>
            <tbody>
              ${list.map(
                (b) =>
                  html`<tr data-batch=${b.batchId}>
                    <td title=${b.batchId}>${date(b.at)}</td>
                    <td>${b.by ?? ''}</td>
                    <td>${b.from} → ${b.to}</td>
                    <td class="n">${b.total}</td>
                    <td>${b.undoneAt ? t('stateUndone', date(b.undoneAt)) : t('stateDone')}</td>
                    <td>
                      ${b.undoneAt ? nothing : html`<vscode-button secondary class="undo-batch" ?disabled=${v.busy} @click=${() => void v.onUndo(b.batchId)}>${t('undo')}</vscode-button>`}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
  `;
}
