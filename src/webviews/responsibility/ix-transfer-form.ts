/**
 * `<ix-transfer-form>` — the form "Verantwortlichen ändern" (issue 8 §2–3): user pickers with search, scope (all
 * objects | chosen objects with a searchable multi-select), team filter, modules, roles, open/closed; "Vorschau"
 * shows counts per module and role, warnings and a paged list; "Ausführen" asks for confirmation with the totals;
 * the result offers "Rückgängig machen"; the history lists every batch with undo. All decisions are made by the host
 * (and core); the page only collects the draft and shows answers. The draft survives reloads via `setState`.
 */
import { LitElement, css, html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import {
  PREVIEW_PAGE_SIZE,
  PROTOCOL_MODULES,
  PROTOCOL_ROLES,
  applyRequest,
  draftValidator,
  historyRequest,
  initRequest,
  pageRequest,
  prefillNotification,
  previewRequest,
  sessionChangedNotification,
  undoRequest,
} from '../../shared/protocol/responsibility';
import type {
  BatchView,
  InitView,
  PreviewView,
  ProtocolModule,
  ProtocolRole,
  RecordView,
  TransferDraft,
  TransferPrefill,
  TransferStringKey,
  UndoView,
} from '../../shared/protocol/responsibility';
import type { HostConnection } from '../common/host';

interface FormState {
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

type Valued = HTMLElement & { value: string | string[]; checked?: boolean };

export class IxTransferForm extends LitElement {
  static override properties = { s: { state: true } };
  static override styles = css`
    :host {
      display: block;
      padding: 0 20px 24px;
      max-width: 1100px;
      color: var(--vscode-foreground);
      font-family: var(--vscode-font-family);
      font-size: var(--vscode-font-size);
    }
    h1 {
      font-size: 1.4em;
      font-weight: 600;
      margin: 16px 0 12px;
    }
    h2 {
      font-size: 1.1em;
      font-weight: 600;
      margin: 20px 0 8px;
    }
    .grid {
      display: grid;
      grid-template-columns: 220px minmax(260px, 520px);
      gap: 10px 16px;
      align-items: center;
    }
    .row {
      display: flex;
      gap: 16px;
      flex-wrap: wrap;
      align-items: center;
    }
    .actions {
      display: flex;
      gap: 10px;
      margin-top: 16px;
      align-items: center;
    }
    table {
      border-collapse: collapse;
      margin: 6px 0;
    }
    th,
    td {
      text-align: left;
      padding: 3px 12px 3px 0;
      border-bottom: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.3));
      vertical-align: top;
    }
    td.n {
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
    .sr-only {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip: rect(0 0 0 0);
      white-space: nowrap;
    }
    .warn {
      color: var(--vscode-editorWarning-foreground);
      margin: 4px 0;
    }
    .err {
      color: var(--vscode-errorForeground);
      margin: 4px 0;
    }
    .box {
      border: 1px solid var(--vscode-widget-border, rgba(128, 128, 128, 0.4));
      padding: 10px 14px;
      margin: 12px 0;
    }
    .ok {
      border-color: var(--vscode-testing-iconPassed, #73c991);
    }
    .muted {
      opacity: 0.75;
    }
    .total {
      font-size: 1.05em;
      font-weight: 600;
    }
  `;

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

  private toggle<T extends string>(list: readonly T[], value: T, on: boolean, order: readonly T[]): T[] {
    const set = new Set(list);
    if (on) set.add(value);
    else set.delete(value);
    return order.filter((v) => set.has(v));
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
      ${init && !init.blocked ? this.renderForm(init) : nothing}
      <div id="status" role="status" aria-live="polite" aria-busy=${this.s.busy ? 'true' : 'false'}>
        ${this.s.busy ? html`<p class="muted"><vscode-progress-ring aria-hidden="true"></vscode-progress-ring> ${this.t('working')}</p>` : nothing}
      </div>
      ${this.renderPreview()}
      <div id="results" aria-live="polite">${this.renderResult()}</div>
      ${init && !init.blocked ? this.renderHistory() : nothing}
    `;
  }

  private renderForm(init: InitView): TemplateResult {
    const d = this.s.draft;
    const userOption = (selected: string) => (u: InitView['users'][number]) =>
      html`<vscode-option
        value=${u.login}
        description=${[u.name, !u.active ? this.t('inactive') : '', u.active && !u.coupled ? this.t('uncoupled') : ''].filter(Boolean).join(' · ')}
        ?selected=${u.login === selected}
        >${u.login}</vscode-option
      >`;
    return html`
      <div class="grid">
        <vscode-label for="from">${this.t('from')}</vscode-label>
        <vscode-single-select
          id="from"
          combobox
          filter="contains"
          .value=${d.fromLogin}
          placeholder=${this.t('pickUser')}
          @change=${(e: Event) => this.setDraft({ fromLogin: String((e.target as Valued).value) })}
        >
          ${init.users.map(userOption(d.fromLogin))}
        </vscode-single-select>
        <vscode-label for="to">${this.t('to')}</vscode-label>
        <vscode-single-select
          id="to"
          combobox
          filter="contains"
          .value=${d.toLogin}
          placeholder=${this.t('pickUser')}
          @change=${(e: Event) => this.setDraft({ toLogin: String((e.target as Valued).value) })}
        >
          ${init.users.filter((u) => u.active).map(userOption(d.toLogin))}
        </vscode-single-select>
        <vscode-label id="scope-label">${this.t('scope')}</vscode-label>
        <div class="row" role="radiogroup" aria-labelledby="scope-label">
          <vscode-radio
            id="scope-all"
            name="scope"
            value="all"
            ?checked=${d.scope === 'all'}
            @change=${(e: Event) => (e.target as Valued).checked && this.setDraft({ scope: 'all' })}
            >${this.t('scopeAll')}</vscode-radio
          >
          <vscode-radio
            id="scope-objects"
            name="scope"
            value="objects"
            ?checked=${d.scope === 'objects'}
            @change=${(e: Event) => (e.target as Valued).checked && this.setDraft({ scope: 'objects' })}
            >${this.t('scopeObjects')}</vscode-radio
          >
        </div>
        ${
          d.scope === 'objects'
            ? html`<span></span>
                <vscode-multi-select
                  id="objects"
                  combobox
                  filter="contains"
                  placeholder=${this.t('pickObjects')}
                  @change=${(e: Event) => this.setDraft({ objectNos: toNumbers((e.target as Valued).value) })}
                >
                  ${init.objects.map((o) => html`<vscode-option value=${String(o.objectNo)} description=${o.team ?? ''} ?selected=${d.objectNos.includes(o.objectNo)}>${o.objectNo} – ${o.name}</vscode-option>`)}
                </vscode-multi-select>`
            : nothing
        }
        <vscode-label for="team">${this.t('team')}</vscode-label>
        <vscode-single-select
          id="team"
          .value=${d.team}
          @change=${(e: Event) => this.setDraft({ team: String((e.target as Valued).value) })}
        >
          <vscode-option value="" ?selected=${d.team === ''}>${this.t('teamAny')}</vscode-option>
          ${init.teams.map((team) => html`<vscode-option value=${team} ?selected=${team === d.team}>${team}</vscode-option>`)}
        </vscode-single-select>
        <vscode-label id="modules-label">${this.t('modules')}</vscode-label>
        <div class="row" role="group" aria-labelledby="modules-label">
          ${init.modules.map(
            (m) =>
              html`<vscode-checkbox
                id=${`module-${m.module}`}
                ?checked=${d.modules.includes(m.module)}
                ?disabled=${!m.licensed}
                title=${m.licensed ? '' : this.t('notLicensed')}
                @change=${(e: Event) => this.setDraft({ modules: this.toggle<ProtocolModule>(d.modules, m.module, (e.target as Valued).checked === true, PROTOCOL_MODULES) })}
                >${m.name}</vscode-checkbox
              >`,
          )}
        </div>
        <vscode-label id="roles-label">${this.t('roles')}</vscode-label>
        <div class="row" role="group" aria-labelledby="roles-label">
          ${PROTOCOL_ROLES.map(
            (r) =>
              html`<vscode-checkbox
                id=${`role-${r}`}
                ?checked=${d.roles.includes(r)}
                @change=${(e: Event) => this.setDraft({ roles: this.toggle<ProtocolRole>(d.roles, r, (e.target as Valued).checked === true, PROTOCOL_ROLES) })}
                >${this.roleName(r)}</vscode-checkbox
              >`,
          )}
        </div>
        <span></span>
        <vscode-checkbox
          id="include-closed"
          ?checked=${d.includeClosed}
          @change=${(e: Event) => this.setDraft({ includeClosed: (e.target as Valued).checked === true })}
          >${this.t('includeClosed')}</vscode-checkbox
        >
      </div>
      <div class="actions">
        <vscode-button id="preview" ?disabled=${this.s.busy} @click=${() => void this.preview()}
          >${this.t('preview')}</vscode-button
        >
      </div>
    `;
  }

  private roleName(role: ProtocolRole): string {
    return role === 'deputy' ? this.t('roleDeputy') : this.t('roleResponsible');
  }

  private moduleName(module: ProtocolModule): string {
    return this.s.init?.modules.find((m) => m.module === module)?.name ?? module;
  }

  private renderPreview(): TemplateResult | typeof nothing {
    const p = this.s.preview;
    if (!p) return nothing;
    const stale = JSON.stringify(this.s.draft) !== this.s.previewKey;
    const blocking = p.warnings.some((w) => w.blocking);
    const end = Math.min(this.s.offset + PREVIEW_PAGE_SIZE, p.total);
    return html`
      <section class="box" id="preview-result">
        <h2>${this.t('preview')}</h2>
        <p class="total" id="preview-total">${this.t('total', p.total, p.from, p.to)}</p>
        ${p.warnings.map((w) => html`<p class=${w.blocking ? 'err' : 'warn'} data-code=${w.code}>${w.text}</p>`)}
        <table id="counts">
          <thead>
            <tr>
              <th scope="col">${this.t('module')}</th>
              <th scope="col">${this.t('role')}</th>
              <th scope="col">${this.t('count')}</th>
            </tr>
          </thead>
          <tbody>
            ${p.counts.map(
              (c) =>
                html`<tr>
                  <td>${this.moduleName(c.module)}</td>
                  <td>${this.roleName(c.role)}</td>
                  <td class="n">${c.count}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${
          p.total > 0
            ? html`
                <p class="muted" id="page-info">${this.t('page', this.s.offset + 1, end, p.total)}</p>
                <table id="records">
                  <thead>
                    <tr>
                      <th scope="col">${this.t('object')}</th>
                      <th scope="col">${this.t('module')}</th>
                      <th scope="col">${this.t('role')}</th>
                      <th scope="col">${this.t('record')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${this.s.records.map(
                      (r) =>
                        html`<tr>
                          <td>${r.objectNo} ${r.objectName}</td>
                          <td>${this.moduleName(r.module)}</td>
                          <td>${this.roleName(r.role)}</td>
                          <td>
                            ${r.recordNo ?? ''}
                            ${r.module === 'objects' ? '' : r.label}${r.closed ? html` <span class="muted">(${this.t('closed')})</span>` : nothing}
                          </td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
                <div class="row">
                  <vscode-button
                    secondary
                    id="prev-page"
                    ?disabled=${this.s.offset === 0 || this.s.busy}
                    @click=${() => void this.page(Math.max(0, this.s.offset - PREVIEW_PAGE_SIZE))}
                    >${this.t('prev')}</vscode-button
                  >
                  <vscode-button
                    secondary
                    id="next-page"
                    ?disabled=${end >= p.total || this.s.busy}
                    @click=${() => void this.page(this.s.offset + PREVIEW_PAGE_SIZE)}
                    >${this.t('next')}</vscode-button
                  >
                </div>
              `
            : nothing
        }
        ${stale ? html`<p class="warn" id="stale">${this.t('stale')}</p>` : nothing}
        ${blocking ? html`<p class="err">${this.t('blocked')}</p>` : nothing}
        <div class="actions">
          ${
            this.s.confirming
              ? html`<span id="confirm-text">${this.t('confirm', p.total, p.from, p.to)}</span>
                  <vscode-button id="confirm-yes" ?disabled=${this.s.busy} @click=${() => void this.apply()}
                    >${this.t('confirmYes')}</vscode-button
                  >
                  <vscode-button secondary id="confirm-cancel" @click=${() => this.update_({ confirming: false })}
                    >${this.t('cancel')}</vscode-button
                  >`
              : html`<vscode-button
                  id="apply"
                  ?disabled=${stale || blocking || p.total === 0 || this.s.busy}
                  @click=${() => this.update_({ confirming: true })}
                  >${this.t('apply')}</vscode-button
                >`
          }
        </div>
      </section>
    `;
  }

  private renderResult(): TemplateResult | typeof nothing {
    const r = this.s.result;
    const u = this.s.undoResult;
    if (r) {
      return html`<section class="box ok" id="result">
        <p id="result-text">${this.t('done', r.batchId, r.total, r.from, r.to)}</p>
        <vscode-button id="undo-result" ?disabled=${this.s.busy} @click=${() => void this.undo(r.batchId)}
          >${this.t('undo')}</vscode-button
        >
      </section>`;
    }
    if (u) {
      return html`<section class="box ok" id="undo-result-box">
        <p id="undo-text">${this.t('undone', u.batchId, u.restored)}</p>
        ${
          u.skipped.length > 0
            ? html`<p class="warn">${this.t('undoSkipped', u.skipped.length)}</p>
                <ul>
                  ${u.skipped.slice(0, 100).map((line) => html`<li>${line}</li>`)}
                </ul>`
            : nothing
        }
      </section>`;
    }
    return nothing;
  }

  private renderHistory(): TemplateResult {
    const list = this.s.history;
    const date = (iso: string): string => new Date(iso).toLocaleString(this.host.boot.lang);
    return html`
      <vscode-divider></vscode-divider>
      <h2>${this.t('history')}</h2>
      ${
        list.length === 0
          ? html`<p class="muted" id="history-empty">${this.t('historyEmpty')}</p>`
          : html`<table id="history">
              <thead>
                <tr>
                  <th scope="col">${this.t('when')}</th>
                  <th scope="col">${this.t('by')}</th>
                  <th scope="col">${this.t('fromTo')}</th>
                  <th scope="col">${this.t('count')}</th>
                  <th scope="col">${this.t('state')}</th>
                  <th scope="col"><span class="sr-only">${this.t('undo')}</span></th>
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
                      <td>${b.undoneAt ? this.t('stateUndone', date(b.undoneAt)) : this.t('stateDone')}</td>
                      <td>
                        ${b.undoneAt ? nothing : html`<vscode-button secondary class="undo-batch" ?disabled=${this.s.busy} @click=${() => void this.undo(b.batchId)}>${this.t('undo')}</vscode-button>`}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    `;
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function toNumbers(value: string | string[]): number[] {
  return (Array.isArray(value) ? value : [value]).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}

/** The draft from `getState()`, checked with the protocol's validator (a stale or foreign state falls back to the default). */
function restoreDraft(state: unknown): TransferDraft {
  try {
    const draft = (state as { draft?: unknown } | undefined)?.draft;
    return draft === undefined ? DEFAULT_DRAFT : draftValidator(draft, 'state.draft');
  } catch {
    return DEFAULT_DRAFT;
  }
}
