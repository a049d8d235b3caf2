/**
 * `<ix-import-preview>` — the preview of "Stammdaten importieren" (issue 22 "VS Code"): what was detected about the
 * file, the columns, counts new / changed / unchanged / invalid, the invalid rows (row, column, reason), warnings
 * (a deactivated user who still holds assignments offers "Verantwortlichen ändern"), reconstructed cells and the
 * changes; "Import" (disabled while invalid rows exist unless "Skip invalid rows" is checked) and "Cancel". Every
 * decision is made by the host (and core); the page only shows the view and sends the user's choice. The only
 * state kept with `setState` is the checkbox.
 */
import { LitElement, html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import {
  importApplyRequest,
  importCancelRequest,
  importInitRequest,
  importTransferRequest,
  importUndoRequest,
} from '../../shared/protocol/importPreview';
import type { Capped, ImportPreviewView, ImportStringKey, IssueView } from '../../shared/protocol/importPreview';
import type { HostConnection } from '../common/host';
import { importPreviewStyles } from './ix-import-preview.styles';

interface PageState {
  readonly view: ImportPreviewView | undefined;
  readonly skipInvalid: boolean;
  readonly busy: boolean;
  readonly error: string | null;
  readonly undone: string | null;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class IxImportPreview extends LitElement {
  static override properties = { s: { state: true } };
  static override styles = importPreviewStyles;

  declare s: PageState;

  constructor(private readonly host: HostConnection<ImportStringKey>) {
    super();
    const saved = host.getState() as { skipInvalid?: unknown } | undefined;
    this.s = { view: undefined, skipInvalid: saved?.skipInvalid === true, busy: true, error: null, undone: null };
    void this.load();
  }

  private t(key: ImportStringKey, ...args: Array<string | number>): string {
    return this.host.t(key, ...args);
  }

  private patch(p: Partial<PageState>): void {
    this.s = { ...this.s, ...p };
    this.host.setState({ skipInvalid: this.s.skipInvalid });
  }

  private async load(): Promise<void> {
    try {
      const view = await this.host.endpoint.request(importInitRequest, {});
      this.patch({ view, busy: false });
    } catch (error) {
      this.patch({ busy: false, error: message(error) });
    }
  }

  private async run(action: () => Promise<void>): Promise<void> {
    this.patch({ busy: true, error: null });
    try {
      await action();
      this.patch({ busy: false });
    } catch (error) {
      this.patch({ busy: false, error: message(error) });
    }
  }

  private apply(): Promise<void> {
    return this.run(async () => {
      const result = await this.host.endpoint.request(importApplyRequest, { skipInvalid: this.s.skipInvalid });
      if (result && this.s.view) this.patch({ view: { ...this.s.view, result } });
    });
  }

  private undo(batchId: string): Promise<void> {
    return this.run(async () => {
      const text = await this.host.endpoint.request(importUndoRequest, { batchId });
      if (text) this.patch({ undone: text });
    });
  }

  private more<T>(list: Capped<T>): TemplateResult | typeof nothing {
    return list.total > list.items.length
      ? html`<p class="more">${this.t('more', list.total - list.items.length, list.items.length)}</p>`
      : nothing;
  }

  private issues(id: string, title: string, list: Capped<IssueView>, cls: string): TemplateResult | typeof nothing {
    if (list.total === 0) return nothing;
    return html`<h2 id=${`${id}-title`} class=${cls}>${title} (${list.total})</h2>
      <table id=${id}>
        <thead>
          <tr>
            <th>${this.t('row')}</th>
            <th>${this.t('column')}</th>
            <th>${this.t('reason')}</th>
          </tr>
        </thead>
        <tbody>
          ${list.items.map(
            (i) =>
              html`<tr>
                <td>${i.row}${i.line !== null ? html` <small>(${this.t('line', i.line)})</small>` : nothing}</td>
                <td>${i.column ?? '—'}</td>
                <td>
                  ${i.text}
                  ${
                    i.holderLogin !== null
                      ? html`<vscode-button
                          secondary
                          @click=${() =>
                            void this.run(async () => {
                              await this.host.endpoint.request(importTransferRequest, { login: i.holderLogin ?? '' });
                            })}
                          >${this.t('transfer')}</vscode-button
                        >`
                      : nothing
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${this.more(list)}`;
  }

  override render(): TemplateResult {
    const v = this.s.view;
    if (!v)
      return html`<h1>${this.host.boot.title}</h1>
        ${this.s.error ? html`<p class="error" id="error">${this.s.error}</p>` : html`<vscode-progress-ring></vscode-progress-ring>`}`;
    if (v.blocked)
      return html`<h1>${this.host.boot.title}</h1>
        <p class="error" id="blocked">${v.blocked}</p>`;
    const c = v.counts;
    const canImport =
      !this.s.busy && v.result === null && (c.invalid === 0 || this.s.skipInvalid) && c.new + c.changed > 0;
    return html`<h1>${this.t('title', v.fileName)}</h1>
      <dl id="detected">
        ${v.detected.map(
          (f) =>
            html`<dt>${f.label}</dt>
              <dd>${f.value}</dd>`,
        )}
      </dl>
      ${v.notes.map((n) => html`<p class="warn">${n}</p>`)}
      <h2>${this.t('counts')}</h2>
      <div class="counts" id="counts">
        <div class="count"><b id="count-new">${c.new}</b>${this.t('countNew')}</div>
        <div class="count"><b id="count-changed">${c.changed}</b>${this.t('countChanged')}</div>
        <div class="count"><b id="count-unchanged">${c.unchanged}</b>${this.t('countUnchanged')}</div>
        <div class="count ${c.invalid > 0 ? 'invalid' : ''}">
          <b id="count-invalid">${c.invalid}</b>${this.t('countInvalid')}
        </div>
      </div>
      ${v.blankRows > 0 ? html`<p>${this.t('blankRows', v.blankRows)}</p>` : nothing}
      ${
        v.result === null && c.new + c.changed === 0
          ? html`<p class="box" id="nothing-to-write">${this.t('nothingToWrite')}</p>`
          : nothing
      }
      ${this.issues('invalid', this.t('invalidRows'), v.invalid, 'error')}
      ${this.issues('warnings', this.t('warnings'), v.warnings, 'warn')}
      ${
        v.reconstructed.total > 0
          ? html`<h2>${this.t('reconstructed')} (${v.reconstructed.total})</h2>
              <table id="reconstructed">
                <thead>
                  <tr>
                    <th>${this.t('row')}</th>
                    <th>${this.t('column')}</th>
                    <th>${this.t('stored')}</th>
                    <th>${this.t('used')}</th>
                    <th>${this.t('reason')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${v.reconstructed.items.map(
                    (r) =>
                      html`<tr>
                        <td>${r.row}</td>
                        <td>${r.column}</td>
                        <td>${r.stored}</td>
                        <td>${r.used}</td>
                        <td>${r.text}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${this.more(v.reconstructed)}`
          : nothing
      }
      ${
        v.changes.total > 0
          ? html`<h2>${this.t('changes')} (${v.changes.total})</h2>
              <table id="changes">
                <thead>
                  <tr>
                    <th>${this.t('row')}</th>
                    <th>${this.t('key')}</th>
                    <th>${this.t('change')}</th>
                  </tr>
                </thead>
                <tbody>
                  ${v.changes.items.map(
                    (r) =>
                      html`<tr>
                        <td>${r.row}</td>
                        <td>${r.key}</td>
                        <td>
                          <ul class="plain">
                            ${r.changes.map((x) => html`<li>${x}</li>`)}
                          </ul>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>
              ${this.more(v.changes)}`
          : nothing
      }
      <h2>${this.t('columns')}</h2>
      <ul class="plain" id="columns">
        ${v.columns.map((x) => html`<li>${x}</li>`)}
      </ul>
      ${
        v.unknownColumns.length > 0
          ? html`<h2>${this.t('unknownColumns')}</h2>
              <ul class="plain" id="unknown-columns">
                ${v.unknownColumns.map((x) => html`<li>${x}</li>`)}
              </ul>`
          : nothing
      }
      ${
        v.ignoredFields.length > 0
          ? html`<h2>${this.t('ignoredFields')}</h2>
              <p id="ignored-fields">${v.ignoredFields.join(', ')}</p>`
          : nothing
      }
      ${this.s.error ? html`<p class="error box" id="error">${this.t('error')}: ${this.s.error}</p>` : nothing}
      ${
        v.result
          ? html`<section class="box" id="result">
              <p id="result-text">${v.result.text}</p>
              ${
                v.result.batchId !== null && this.s.undone === null
                  ? html`<vscode-button
                      id="undo"
                      secondary
                      ?disabled=${this.s.busy}
                      @click=${() => void this.undo(v.result?.batchId ?? '')}
                      >${this.t('undo')}</vscode-button
                    >`
                  : nothing
              }
              ${this.s.undone !== null ? html`<p id="undo-text">${this.s.undone}</p>` : nothing}
            </section>`
          : html`<div class="actions">
              ${
                c.invalid > 0
                  ? html`<vscode-checkbox
                      id="skip-invalid"
                      ?checked=${this.s.skipInvalid}
                      @change=${(e: Event) => this.patch({ skipInvalid: (e.target as { checked?: boolean }).checked === true })}
                      >${this.t('skipInvalid')}</vscode-checkbox
                    >`
                  : nothing
              }
              <vscode-button id="import" ?disabled=${!canImport} @click=${() => void this.apply()}
                >${this.t('import')}</vscode-button
              >
              <vscode-button
                id="cancel"
                secondary
                ?disabled=${this.s.busy}
                @click=${() => void this.host.endpoint.request(importCancelRequest, {})}
                >${this.t('cancel')}</vscode-button
              >
              ${this.s.busy ? html`<vscode-progress-ring></vscode-progress-ring>` : nothing}
              ${c.invalid > 0 && !this.s.skipInvalid ? html`<span class="error">${this.t('blocked')}</span>` : nothing}
            </div>`
      }`;
  }
}
