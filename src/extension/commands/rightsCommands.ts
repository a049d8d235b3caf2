import * as vscode from 'vscode';
import type { AsyncStore } from '../../core/store/asyncStore';
import {
  MAX_LIST_NAME_LENGTH,
  listProgramRights,
  programRightSetting,
  rightsClassesInUse,
  rightsModules,
  setProgramRight,
} from '../../core/users/programRights';
import type { ProgramRightChange, RightSetting } from '../../core/users/programRights';
import type { Actor } from '../../core/access/rights';
import type { Services } from '../services';
import { requireSignedIn } from '../signedIn';

/** Scripted arguments (tests, automation): any part given is not asked for. `list` '' = the module itself. */
interface RightsArgs {
  readonly rightsClass?: string;
  readonly module?: string;
  readonly list?: string;
  readonly setting?: RightSetting;
}

const SETTINGS: readonly RightSetting[] = ['allow', 'deny', 'inherit'];

function settingLabel(setting: RightSetting): string {
  return setting === 'allow'
    ? vscode.l10n.t('Allow')
    : setting === 'deny'
      ? vscode.l10n.t('Deny')
      : vscode.l10n.t('Inherit');
}

/** A right's setting as a state word for messages ("denied → allowed"). */
function stateWord(setting: RightSetting): string {
  return setting === 'allow'
    ? vscode.l10n.t('allowed')
    : setting === 'deny'
      ? vscode.l10n.t('denied')
      : vscode.l10n.t('inherited');
}

/** What a right means in effect: its own setting, or what it inherits (a list: its module's; a module: allowed). */
async function effectiveText(store: AsyncStore, rightsClass: string, module: string, list: string): Promise<string> {
  const own = await programRightSetting(store, rightsClass, module, list);
  if (own === 'allow') return vscode.l10n.t('allowed');
  if (own === 'deny') return vscode.l10n.t('denied');
  if (list === '') return vscode.l10n.t('inherits: allowed');
  return (await programRightSetting(store, rightsClass, module, '')) === 'deny'
    ? vscode.l10n.t('inherits from the module: denied')
    : vscode.l10n.t('inherits from the module: allowed');
}

function context(services: Services): { store: AsyncStore; actor: Actor } {
  return requireSignedIn(services);
}

async function pickClass(store: AsyncStore): Promise<string | undefined> {
  const other = {
    label: vscode.l10n.t('Another rights class…'),
    description: 'A–Z',
    rightsClass: undefined as string | undefined,
  };
  const items = [
    ...(await rightsClassesInUse(store)).map((c) => ({
      label: c.rightsClass,
      description: vscode.l10n.t('{0} active users · {1} rights stored', c.users, c.rights),
      rightsClass: c.rightsClass as string | undefined,
    })),
    other,
  ];
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Program rights: rights class (step 1 of 4)'),
    placeHolder: vscode.l10n.t('Rights class S reaches everything and has no program rights'),
  });
  if (!picked) return undefined;
  if (picked.rightsClass) return picked.rightsClass;
  return vscode.window.showInputBox({
    title: vscode.l10n.t('Program rights: rights class (step 1 of 4)'),
    prompt: vscode.l10n.t('One letter A–Z (not S)'),
    validateInput: (v) =>
      /^[A-RT-Za-rt-z]$/.test(v.trim())
        ? undefined
        : vscode.l10n.t('A rights class is one letter A–Z; class S has no program rights.'),
  });
}

async function pickModule(store: AsyncStore, rightsClass: string): Promise<string | undefined> {
  const items: { label: string; description: string; detail: string; code: string }[] = [];
  for (const m of await rightsModules(store))
    items.push({
      label: m.name,
      description: m.code,
      detail: await effectiveText(store, rightsClass, m.code, ''),
      code: m.code,
    });
  if (items.length === 0) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('No license is installed, so there is no module to set rights for. Install a license first.'),
    );
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Program rights of class {0}: module (step 2 of 4)', rightsClass),
    matchOnDescription: true,
  });
  return picked?.code;
}

async function pickList(store: AsyncStore, rightsClass: string, module: string): Promise<string | undefined> {
  const whole = {
    label: vscode.l10n.t('(whole module)'),
    detail: await effectiveText(store, rightsClass, module, ''),
    list: '' as string | undefined,
  };
  const other = {
    label: vscode.l10n.t('A list in the module…'),
    detail: vscode.l10n.t('Type the list caption as iX-Haus shows it'),
    list: undefined as string | undefined,
  };
  const lists: { label: string; detail: string; list: string | undefined }[] = [];
  for (const r of await listProgramRights(store, { rightsClass, moduleCode: module }))
    if (r.list !== '')
      lists.push({ label: r.list, detail: await effectiveText(store, rightsClass, module, r.list), list: r.list });
  const picked = await vscode.window.showQuickPick([whole, ...lists, other], {
    title: vscode.l10n.t('Program rights of class {0}, {1}: module or list (step 3 of 4)', rightsClass, module),
  });
  if (!picked) return undefined;
  if (picked.list !== undefined) return picked.list;
  const typed = await vscode.window.showInputBox({
    title: vscode.l10n.t('Program rights of class {0}, {1}: module or list (step 3 of 4)', rightsClass, module),
    prompt: vscode.l10n.t('The list caption, e.g. Meldungsliste'),
    validateInput: (v) =>
      v.trim() === '' || v.trim().length > MAX_LIST_NAME_LENGTH
        ? vscode.l10n.t('Enter a list caption of 1 to {0} characters.', MAX_LIST_NAME_LENGTH)
        : undefined,
  });
  return typed?.trim() || undefined;
}

async function pickSetting(
  store: AsyncStore,
  rightsClass: string,
  module: string,
  list: string,
): Promise<RightSetting | undefined> {
  const current = await programRightSetting(store, rightsClass, module, list);
  const explain: Record<RightSetting, string> = {
    allow: vscode.l10n.t('Users of this class may use it (when it is licensed and unlocked for them)'),
    deny: vscode.l10n.t('Users of this class may not use it'),
    inherit: list === '' ? vscode.l10n.t('No own right: allowed') : vscode.l10n.t('No own right: as the module'),
  };
  const picked = await vscode.window.showQuickPick(
    SETTINGS.map((s) => ({
      label: settingLabel(s),
      description: s === current ? vscode.l10n.t('current') : undefined,
      detail: explain[s],
      setting: s,
    })),
    {
      title: vscode.l10n.t(
        'Program rights of class {0}, {1}: right (step 4 of 4)',
        rightsClass,
        list ? `${module} › ${list}` : module,
      ),
    },
  );
  return picked?.setting;
}

/**
 * "Edit Program Rights…" (Module & Benutzer view title, palette; administrators): rights class → module → whole
 * module or a list → allow / deny / inherit (domain.md §2.4). The core checks the admin right and the input,
 * writes the right and its audit row in one transaction; the store is saved afterwards.
 * @returns the change (for scripted callers), or undefined when cancelled
 */
export async function editProgramRightsCommand(
  services: Services,
  arg?: unknown,
): Promise<ProgramRightChange | undefined> {
  const c = context(services);
  if (!c) return undefined;
  const a = (arg ?? {}) as RightsArgs;
  const rightsClass = (a.rightsClass ?? (await pickClass(c.store)))?.trim().toUpperCase();
  if (!rightsClass) return undefined;
  const module = a.module ?? (await pickModule(c.store, rightsClass));
  if (!module) return undefined;
  const list = a.list ?? (await pickList(c.store, rightsClass, module));
  if (list === undefined) return undefined;
  const setting = a.setting ?? (await pickSetting(c.store, rightsClass, module, list));
  if (!setting) return undefined;
  const change = await setProgramRight(
    c.store,
    c.actor,
    rightsClass,
    module,
    list,
    setting === 'inherit' ? null : setting === 'allow',
  );
  const what = change.list ? `${change.moduleCode} › ${change.list}` : change.moduleCode;
  if (!change.changed) {
    void vscode.window.showInformationMessage(
      vscode.l10n.t('Class {0}, {1}: already {2}.', change.rightsClass, what, stateWord(change.newSetting)),
    );
    return change;
  }
  void vscode.window.showInformationMessage(
    vscode.l10n.t(
      'Class {0}, {1}: {2} → {3}.',
      change.rightsClass,
      what,
      stateWord(change.oldSetting),
      stateWord(change.newSetting),
    ),
  );
  return change;
}
