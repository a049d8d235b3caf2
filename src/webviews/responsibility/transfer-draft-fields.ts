/**
 * The fields of "Verantwortlichen ändern" (issue 8 §2): user pickers with search, scope (all objects | chosen objects
 * with a searchable multi-select), team filter, modules, roles, open/closed, and the "Vorschau" button. Rendered
 * into the shadow root of `<ix-transfer-form>`; every change goes back through `setDraft`.
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import { PROTOCOL_MODULES, PROTOCOL_ROLES } from '../../shared/protocol/responsibility';
import type { InitView, ProtocolModule, ProtocolRole, TransferDraft } from '../../shared/protocol/responsibility';
import { roleName } from './transfer-labels';
import type { Translate } from './transfer-labels';

/** What the fields show and where their changes go. */
export interface DraftFieldsProps {
  readonly t: Translate;
  readonly init: InitView;
  readonly draft: TransferDraft;
  readonly busy: boolean;
  /** merges the patch into the draft (and withdraws a pending confirmation) */
  readonly setDraft: (patch: Partial<TransferDraft>) => void;
  /** asks the host for the preview of the current draft */
  readonly onPreview: () => Promise<void>;
}

type Valued = HTMLElement & { value: string | string[]; checked?: boolean };

/** Renders into the host element's shadow root (its styles apply). */
export function renderDraftFields(v: DraftFieldsProps): TemplateResult {
  const { t, init, setDraft } = v;
  const d = v.draft;
  const userOption = (selected: string) => (u: InitView['users'][number]) =>
    html`<vscode-option
      value=${u.login}
      description=${[u.name, !u.active ? t('inactive') : '', u.active && !u.coupled ? t('uncoupled') : ''].filter(Boolean).join(' · ')}
      ?selected=${u.login === selected}
      >${u.login}</vscode-option
    >`;
  return html`
    <div class="grid">
      <vscode-label for="from">${t('from')}</vscode-label>
      <vscode-single-select
        id="from"
        combobox
        filter="contains"
        .value=${d.fromLogin}
        placeholder=${t('pickUser')}
        @change=${(e: Event) => setDraft({ fromLogin: String((e.target as Valued).value) })}
      >
        ${init.users.map(userOption(d.fromLogin))}
      </vscode-single-select>
      <vscode-label for="to">${t('to')}</vscode-label>
      <vscode-single-select
        id="to"
        combobox
        filter="contains"
        .value=${d.toLogin}
        placeholder=${t('pickUser')}
        @change=${(e: Event) => setDraft({ toLogin: String((e.target as Valued).value) })}
      >
        ${init.users.filter((u) => u.active).map(userOption(d.toLogin))}
      </vscode-single-select>
      <vscode-label id="scope-label">${t('scope')}</vscode-label>
      <div class="row" role="radiogroup" aria-labelledby="scope-label">
        <vscode-radio
          id="scope-all"
          name="scope"
          value="all"
          ?checked=${d.scope === 'all'}
          @change=${(e: Event) => (e.target as Valued).checked && setDraft({ scope: 'all' })}
          >${t('scopeAll')}</vscode-radio
        >
        <vscode-radio
          id="scope-objects"
          name="scope"
          value="objects"
          ?checked=${d.scope === 'objects'}
          @change=${(e: Event) => (e.target as Valued).checked && setDraft({ scope: 'objects' })}
          >${t('scopeObjects')}</vscode-radio
        >
      </div>
      ${
        d.scope === 'objects'
          ? html`<span></span>
              <vscode-multi-select
                id="objects"
                combobox
                filter="contains"
                placeholder=${t('pickObjects')}
                @change=${(e: Event) => setDraft({ objectNos: toNumbers((e.target as Valued).value) })}
              >
                ${init.objects.map((o) => html`<vscode-option value=${String(o.objectNo)} description=${o.team ?? ''} ?selected=${d.objectNos.includes(o.objectNo)}>${o.objectNo} – ${o.name}</vscode-option>`)}
              </vscode-multi-select>`
          : nothing
      }
      <vscode-label for="team">${t('team')}</vscode-label>
      <vscode-single-select
        id="team"
        .value=${d.team}
        @change=${(e: Event) => setDraft({ team: String((e.target as Valued).value) })}
      >
        <vscode-option value="" ?selected=${d.team === ''}>${t('teamAny')}</vscode-option>
        ${init.teams.map((team) => html`<vscode-option value=${team} ?selected=${team === d.team}>${team}</vscode-option>`)}
      </vscode-single-select>
      <vscode-label id="modules-label">${t('modules')}</vscode-label>
      <div class="row" role="group" aria-labelledby="modules-label">
        ${init.modules.map(
          (m) =>
            html`<vscode-checkbox
              id=${`module-${m.module}`}
              ?checked=${d.modules.includes(m.module)}
              ?disabled=${!m.licensed}
              title=${m.licensed ? '' : t('notLicensed')}
              @change=${(e: Event) => setDraft({ modules: toggle<ProtocolModule>(d.modules, m.module, (e.target as Valued).checked === true, PROTOCOL_MODULES) })}
              >${m.name}</vscode-checkbox
            >`,
        )}
      </div>
      <vscode-label id="roles-label">${t('roles')}</vscode-label>
      <div class="row" role="group" aria-labelledby="roles-label">
        ${PROTOCOL_ROLES.map(
          (r) =>
            html`<vscode-checkbox
              id=${`role-${r}`}
              ?checked=${d.roles.includes(r)}
              @change=${(e: Event) => setDraft({ roles: toggle<ProtocolRole>(d.roles, r, (e.target as Valued).checked === true, PROTOCOL_ROLES) })}
              >${roleName(t, r)}</vscode-checkbox
            >`,
        )}
      </div>
      <span></span>
      <vscode-checkbox
        id="include-closed"
        ?checked=${d.includeClosed}
        @change=${(e: Event) => setDraft({ includeClosed: (e.target as Valued).checked === true })}
        >${t('includeClosed')}</vscode-checkbox
      >
    </div>
    <div class="actions">
      <vscode-button id="preview" ?disabled=${v.busy} @click=${() => void v.onPreview()}>${t('preview')}</vscode-button>
    </div>
  `;
}

/** `list` with `value` switched on or off, in the protocol's `order`. */
function toggle<T extends string>(list: readonly T[], value: T, on: boolean, order: readonly T[]): T[] {
  const set = new Set(list);
  if (on) set.add(value);
  else set.delete(value);
  return order.filter((v) => set.has(v));
}

/** Object numbers from a multi-select value (anything not a positive integer is dropped). */
function toNumbers(value: string | string[]): number[] {
  return (Array.isArray(value) ? value : [value]).map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
}
