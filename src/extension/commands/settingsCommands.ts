import * as vscode from 'vscode';
import { checkValue, findSetting } from '../../core/settings/catalog';
import type { SettingDefinition } from '../../core/settings/catalog';
import {
  clipboardText,
  displayValue,
  resetSetting,
  setSetting,
  settingState,
} from '../../core/settings/settingsService';
import type { SettingChange } from '../../core/settings/settingsService';
import type { AsyncStore } from '../../core/store/asyncStore';
import type { Actor } from '../../core/access/rights';
import { catalogLanguage, filteredSettings } from '../../providers/tree/settingsTree';
import { nodeOf } from '../../providers/tree/treeNode';
import type { TreeNode } from '../../providers/tree/treeNode';
import { ChangedMeanwhileError } from '../../core/errors';
import { localizedMessage } from '../errors';
import { CONTEXT_KEYS } from '../ids';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

/** Arguments of the settings commands: a setting node of the tree, or `{ name, value? }` for scripted use. */
interface SettingArgs {
  readonly name?: string;
  readonly value?: string;
}

function definitionFrom(arg: unknown): SettingDefinition | undefined {
  const a = arg as SettingArgs | undefined;
  if (typeof a?.name === 'string') return findSetting(a.name);
  return nodeOf(arg, 'setting')?.data.definition;
}

async function pickSetting(services: Services): Promise<SettingDefinition | undefined> {
  const language = catalogLanguage();
  const picked = await vscode.window.showQuickPick(
    filteredSettings(services.settingsFilter).map((d) => ({
      label: d.name,
      description: d.systemId,
      detail: `${d.area} › ${d.section} — ${d.short[language]}`,
      definition: d,
    })),
    { title: vscode.l10n.t('Choose a setting'), matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.definition;
}

/** Applies the search to the view: filter, "filter active" context key and message, first hit revealed. */
async function applyFilter(services: Services, query: string | undefined): Promise<void> {
  services.settingsFilter.query = query && query.trim() !== '' ? query.trim() : undefined;
  services.settingsFilter.hitIndex = -1;
  await vscode.commands.executeCommand(
    'setContext',
    CONTEXT_KEYS.settingsFilterActive,
    services.settingsFilter.query !== undefined,
  );
  services.refreshViews();
  const view = services.treeViews['ixhaus.settings'];
  if (services.settingsFilter.query === undefined) {
    view.message = undefined;
    view.description = undefined;
    return;
  }
  const hits = filteredSettings(services.settingsFilter).length;
  view.description = vscode.l10n.t('Filter: "{0}"', services.settingsFilter.query);
  view.message =
    hits === 0
      ? vscode.l10n.t('No setting matches "{0}". Clear the filter to see all settings.', services.settingsFilter.query)
      : vscode.l10n.t('{0} settings match "{1}".', hits, services.settingsFilter.query);
  if (hits > 0) await nextHitCommand(services);
}

/** "Einstellung suchen": full text over Bereich, Abschnitt, System-ID, Name, Kurzbeschreibung; filters the tree. */
export async function searchSettingsCommand(services: Services, args?: unknown): Promise<void> {
  requireSignedIn(services);
  const given = (args as { query?: unknown } | undefined)?.query;
  const query =
    typeof given === 'string'
      ? given
      : await vscode.window.showInputBox({
          title: vscode.l10n.t('Search System Settings'),
          prompt: vscode.l10n.t(
            'Words in Bereich, Abschnitt, System-ID, Name or short description (Zaehler finds Zähler)',
          ),
          value: services.settingsFilter.query ?? '',
        });
  if (query === undefined) return;
  await applyFilter(services, query);
}

/** Clears the search filter. */
export async function clearSettingsSearchCommand(services: Services): Promise<void> {
  await applyFilter(services, undefined);
}

/** "Weiter" (F3 in iX-Haus): selects the next hit of the search in the tree. */
export async function nextHitCommand(services: Services): Promise<void> {
  const hits = filteredSettings(services.settingsFilter);
  if (!services.settingsFilter.query || hits.length === 0) return;
  services.settingsFilter.hitIndex = (services.settingsFilter.hitIndex + 1) % hits.length;
  const target = hits[services.settingsFilter.hitIndex];
  const provider = services.views['ixhaus.settings'];
  const nodeToReveal = (await provider.allNodes()).find(
    (n: TreeNode) => target && nodeOf(n, 'setting')?.data.definition.systemId === target.systemId,
  );
  if (nodeToReveal)
    await services.treeViews['ixhaus.settings'].reveal(nodeToReveal, { select: true, focus: false, expand: true });
}

function reportChange(services: Services, change: SettingChange): void {
  const language = catalogLanguage();
  const d = change.definition;
  services.logger.info(
    `[settings] ${services.session.actor?.login} set ${d.systemId} ${d.name}: ${change.oldValue} → ${change.newValue}`,
  );
  if (!change.changed) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('{0} already has the value {1}.', d.name, displayValue(d, change.newValue, language)),
    );
    return;
  }
  const text = vscode.l10n.t(
    '{0} changed from {1} to {2}.',
    d.name,
    displayValue(d, change.oldValue, language),
    displayValue(d, change.newValue, language),
  );
  void vscode.window.showInformationMessage(
    change.restartRequired ? `${text} ${vscode.l10n.t('Restart iX-Haus plus so that it takes effect.')}` : text,
  );
}

/** Asks for a new value with an input matched to the type; the reason for a refused value is shown while typing. */
async function askValue(def: SettingDefinition, current: string): Promise<string | undefined> {
  const language = catalogLanguage();
  const title = `${def.name} — ${def.short[language]}`;
  if (def.type.kind === 'bool' || def.type.kind === 'enum') {
    const values = def.type.kind === 'bool' ? ['1', '0'] : [...def.type.values];
    const picked = await vscode.window.showQuickPick(
      values.map((v) => ({
        label: displayValue(def, v, language),
        description: [v === current ? vscode.l10n.t('current') : '', v === def.default ? vscode.l10n.t('default') : '']
          .filter(Boolean)
          .join(' · '),
        value: v,
      })),
      { title, placeHolder: def.long[language] },
    );
    return picked?.value;
  }
  const type = def.type;
  return vscode.window.showInputBox({
    title,
    prompt: def.long[language],
    value: current,
    validateInput: (value) => {
      const check = checkValue(type, value);
      return check.ok ? undefined : vscode.l10n.t(check.template, ...check.args);
    },
  });
}

/**
 * The common course of edit and reset: signed in, the setting from the arguments or picked, the change made by
 * `change` (undefined = cancelled), saved and reported.
 */
async function changeSetting(
  services: Services,
  args: unknown,
  change: (store: AsyncStore, actor: Actor, def: SettingDefinition) => Promise<SettingChange | undefined>,
): Promise<void> {
  requireSignedIn(services);
  const store = services.storeHost.db;
  const actor = services.session.actor;
  if (!store || !actor) return;
  const def = definitionFrom(args) ?? (await pickSetting(services));
  if (!def) return;
  const result = await change(store, actor, def);
  if (!result) return;
  reportChange(services, result);
}

/** "Einstellung bearbeiten" (admins; user settings by their owner; never vendor-only ones). */
export async function editSettingCommand(services: Services, args?: unknown): Promise<void> {
  let edited: SettingDefinition | undefined;
  try {
    await changeSetting(services, args, async (store, actor, def) => {
      edited = def;
      const given = (args as SettingArgs | undefined)?.value;
      // the value shown is what the edit is based on: another admin's change meanwhile is refused (issue 19)
      const shown = (await settingState(store, def, actor.id)).value;
      const value = typeof given === 'string' ? given : await askValue(def, shown);
      return value === undefined
        ? undefined
        : setSetting(store, actor, def.systemId, value, typeof given === 'string' ? {} : { expected: shown });
    });
  } catch (error) {
    if (!(error instanceof ChangedMeanwhileError) || edited === undefined) throw error;
    // the next action where the need arises: the same edit again, now based on the other admin's value
    services.logger.warn(`${error.code}: ${error.message}`);
    const again = vscode.l10n.t('Edit Again…');
    const name = edited.name;
    // not awaited: the command ends now; the message waits for the user on its own
    void vscode.window.showErrorMessage(localizedMessage(error), again).then(async (picked) => {
      if (picked === again) await vscode.commands.executeCommand('ixhaus.settings.edit', { name });
    });
  }
}

/** "Auf Standard zurücksetzen". */
export function resetSettingCommand(services: Services, args?: unknown): Promise<void> {
  return changeSetting(services, args, async (store, actor, def) => resetSetting(store, actor, def.systemId));
}

/** "In Zwischenablage kopieren": Bereich, Abschnitt, Name, descriptions and value for a support mail. */
export async function copySettingCommand(services: Services, args?: unknown): Promise<void> {
  const store = services.storeHost.db;
  const def = definitionFrom(args) ?? (await pickSetting(services));
  if (!store || !def) return;
  await vscode.env.clipboard.writeText(
    clipboardText(await settingState(store, def, services.session.actor?.id), catalogLanguage()),
  );
  void vscode.window.showInformationMessage(vscode.l10n.t('{0} copied to the clipboard.', def.name));
}
