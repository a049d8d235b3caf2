/**
 * The preview of "Verantwortlichen ändern" (issue 8 §2–3): totals, warnings, counts per module and role, the paged
 * record list, and "Ausführen" with its confirmation. Rendered into the shadow root of `<ix-transfer-form>`.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { PREVIEW_PAGE_SIZE } from '../../shared/protocol/responsibility';
import type { InitView, PreviewView, RecordView } from '../../shared/protocol/responsibility';
import { moduleName, roleName } from './transfer-labels';
import type { Translate } from './transfer-labels';

/** What the preview shows and where its buttons go. */
export interface PreviewProps {
  readonly t: Translate;
  /** for the modules' display names */
  readonly init: InitView | undefined;
  /** nothing is rendered without a preview */
  readonly preview: PreviewView | undefined;
  /** the draft changed since the preview was made: "Ausführen" is disabled */
  readonly stale: boolean;
  /** the current page of records, starting at `offset` (0-based) */
  readonly records: readonly RecordView[];
  readonly offset: number;
  readonly confirming: boolean;
  readonly busy: boolean;
  /** loads the page starting at the given 0-based record offset */
  readonly onPage: (offset: number) => Promise<void>;
  /** shows (true) or withdraws (false) the confirmation */
  readonly onConfirming: (confirming: boolean) => void;
  /** runs the previewed transfer */
  readonly onApply: () => Promise<void>;
}

/** Renders into the host element's shadow root (its styles apply). */
export function renderPreview(v: PreviewProps): TemplateResult | typeof nothing {
  const { t } = v;
  const p = v.preview;
  if (!p) return nothing;
  const stale = v.stale;
  const blocking = p.warnings.some((w) => w.blocking);
  const end = Math.min(v.offset + PREVIEW_PAGE_SIZE, p.total);
  return html`
    <section class="box" id="preview-result">
      <h2>${t('preview')}</h2>
      <p class="total" id="preview-total">${t('total', p.total, p.from, p.to)}</p>
      ${p.warnings.map((w) => html`<p class=${w.blocking ? 'err' : 'warn'} data-code=${w.code}>${w.text}</p>`)}
      <table id="counts">
        <thead>
          <tr>
            <th scope="col">${t('module')}</th>
            <th scope="col">${t('role')}</th>
            <th scope="col">${t('count')}</th>
          </tr>
        </thead>
        <tbody>
          ${p.counts.map(
            (c) =>
              html`<tr>
                <td>${moduleName(v.init, c.module)}</td>
                <td>${roleName(t, c.role)}</td>
                <td class="n">${c.count}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        p.total > 0
          ? html`
              <p class="muted" id="page-info">${t('page', v.offset + 1, end, p.total)}</p>
              <table id="records">
                <thead>
                  <tr>
                    <th scope="col">${t('object')}</th>
                    <th scope="col">${t('module')}</th>
                    <th scope="col">${t('role')}</th>
                    <th scope="col">${t('record')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${v.records.map(
                    (r) =>
                      html`<tr>
                        <td>${r.objectNo} ${r.objectName}</td>
                        <td>${moduleName(v.init, r.module)}</td>
                        <td>${roleName(t, r.role)}</td>
                        <td>
                          ${r.recordNo ?? ''}
                          ${r.module === 'objects' ? '' : r.label}${r.closed ? html` <span class="muted">(${t('closed')})</span>` : nothing}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              <div class="row">
                <vscode-button
                  secondary
                  id="prev-page"
                  ?disabled=${v.offset === 0 || v.busy}
                  @click=${() => void v.onPage(Math.max(0, v.offset - PREVIEW_PAGE_SIZE))}
                  >${t('prev')}</vscode-button
                >
                <vscode-button
                  secondary
                  id="next-page"
                  ?disabled=${end >= p.total || v.busy}
                  @click=${() => void v.onPage(v.offset + PREVIEW_PAGE_SIZE)}
                  >${t('next')}</vscode-button
                >
              </div>
            `
          : nothing
      }
      ${stale ? html`<p class="warn" id="stale">${t('stale')}</p>` : nothing}
      ${blocking ? html`<p class="err">${t('blocked')}</p>` : nothing}
      <div class="actions">
        ${
          v.confirming
            ? html`<span id="confirm-text">${t('confirm', p.total, p.from, p.to)}</span>
                <vscode-button id="confirm-yes" ?disabled=${v.busy} @click=${() => void v.onApply()}
                  >${t('confirmYes')}</vscode-button
                >
                <vscode-button secondary id="confirm-cancel" @click=${() => v.onConfirming(false)}
                  >${t('cancel')}</vscode-button
                >`
            : html`<vscode-button
                id="apply"
                ?disabled=${stale || blocking || p.total === 0 || v.busy}
                @click=${() => v.onConfirming(true)}
                >${t('apply')}</vscode-button
              >`
        }
      </div>
    </section>
  `;
}
