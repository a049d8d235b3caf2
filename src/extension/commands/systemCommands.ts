/**
 * Commands of the Systeme view and the system status-bar item (issue 20): add, edit, duplicate, remove, switch,
 * and the quick pick. Scripted use (tests, test extension mode only): `add`/`edit` take the fields of a system
 * (`{ id?, name, customer, store, kind, color? }`), `switch`/`remove`/`duplicate` take `{ id }` (remove also
 * `confirm: true`).
 */
import * as vscode from 'vscode';
import {
  duplicateSystem,
  groupByCustomer,
  newSystemId,
  SYSTEM_KINDS,
  validateSystem,
} from '../../core/systems/systems';
import type { CustomerSystem, SystemKind } from '../../core/systems/systems';
import { parseStoreLocation } from '../../core/store/location';
import { nodeOf } from '../../providers/tree/treeNode';
import { localizedMessage } from '../errors';
import { scriptedArgs } from '../scriptedArgs';
import type { Services } from '../services';

/** The system a command is about: a Systeme view node, or `{ id }` (scripted), or undefined. */
function systemOf(services: Services, arg: unknown): CustomerSystem | undefined {
  const fromNode = nodeOf(arg, 'system');
  if (fromNode) return services.systems.list().find((s) => s.id === fromNode.data.system.id);
  const id = (arg as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? services.systems.list().find((s) => s.id === id) : undefined;
}

/** Asks for the fields of a system (prefilled with `start`); undefined when cancelled at any step. */
async function askSystem(
  services: Services,
  start: CustomerSystem,
  title: string,
): Promise<CustomerSystem | undefined> {
  const others = services.systems.list().filter((s) => s.id !== start.id);
  const step = (n: number): string => vscode.l10n.t('{0} ({1} of {2})', title, n, 5);
  const name = await vscode.window.showInputBox({
    title: step(1),
    prompt: vscode.l10n.t('Name of the system (unique), e.g. "Müller Hausverwaltung Produktion"'),
    value: start.name,
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        validateSystem({ ...start, name: value, store: start.store || '.' }, others);
        return undefined;
      } catch (error) {
        return localizedMessage(error);
      }
    },
  });
  if (name === undefined) return undefined;
  const customer = await vscode.window.showInputBox({
    title: step(2),
    prompt: vscode.l10n.t('Customer (groups the systems in the view; may be empty)'),
    value: start.customer,
    ignoreFocusOut: true,
  });
  if (customer === undefined) return undefined;
  const open = services.storeHost.location?.redacted;
  const store = await vscode.window.showInputBox({
    title: step(3),
    prompt: vscode.l10n.t(
      'Store: a file path or postgres://user@host:port/database (without password: it is asked for when the system is opened and kept in secret storage)',
    ),
    value: start.store || open || '',
    ignoreFocusOut: true,
    validateInput: (value) => {
      try {
        parseStoreLocation(value);
        return undefined;
      } catch (error) {
        return localizedMessage(error);
      }
    },
  });
  if (store === undefined) return undefined;
  const kinds = SYSTEM_KINDS.map((kind) => ({ label: kind, picked: kind === start.kind }));
  const kind = await vscode.window.showQuickPick(kinds, {
    title: step(4),
    placeHolder: vscode.l10n.t('Kind of the system (Produktion asks before bulk changes)'),
  });
  if (kind === undefined) return undefined;
  const color = await askColor(step(5), start.color);
  if (color === undefined) return undefined;
  return { id: start.id, name, customer, store, kind: kind.label, ...(color === '' ? {} : { color }) };
}

/**
 * The colour of a system's icon in the Systeme view and the status bar's text (VS Code allows only the theme's
 * error and warning backgrounds on status-bar items, so the colour is never a background). The theme's chart
 * colours follow light, dark and high-contrast themes; a `#rrggbb` set in settings.json is offered to keep.
 * @returns the colour id, '' for none, undefined when cancelled
 */
async function askColor(title: string, current: string | undefined): Promise<string | undefined> {
  const charts: Array<[string, string]> = [
    ['charts.red', vscode.l10n.t('Red')],
    ['charts.orange', vscode.l10n.t('Orange')],
    ['charts.yellow', vscode.l10n.t('Yellow')],
    ['charts.green', vscode.l10n.t('Green')],
    ['charts.blue', vscode.l10n.t('Blue')],
    ['charts.purple', vscode.l10n.t('Purple')],
  ];
  type ColorItem = vscode.QuickPickItem & { readonly color: string };
  const items: ColorItem[] = [
    { label: vscode.l10n.t('No colour'), description: vscode.l10n.t('by kind'), color: '' },
    ...charts.map(([id, label]): ColorItem => ({
      label,
      description: id,
      color: id,
      iconPath: new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor(id)),
    })),
  ];
  if (current && !charts.some(([id]) => id === current))
    items.push({
      label: vscode.l10n.t('Keep {0}', current),
      description: vscode.l10n.t('from settings.json'),
      color: current,
    });
  const active = items.find((i) => i.color === (current ?? ''));
  const picked = await new Promise<ColorItem | undefined>((resolve) => {
    const pick = vscode.window.createQuickPick<ColorItem>();
    pick.title = title;
    pick.placeholder = vscode.l10n.t('Colour of the system (icon and status-bar text)');
    pick.items = items;
    if (active) pick.activeItems = [active];
    pick.onDidAccept(() => {
      resolve(pick.selectedItems[0] ?? pick.activeItems[0]);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
  });
  return picked?.color;
}

/** Reads scripted fields of a system (test extension mode only). */
function scriptedSystem(services: Services, arg: unknown, base: CustomerSystem): CustomerSystem | undefined {
  const a = scriptedArgs(services.context, arg) as Partial<Record<keyof CustomerSystem, unknown>> | undefined;
  if (typeof a !== 'object' || a === null || typeof a.name !== 'string') return undefined;
  const text = (v: unknown, d: string): string => (typeof v === 'string' ? v : d);
  const color = text(a.color, base.color ?? '');
  return {
    id: base.id,
    name: a.name,
    customer: text(a.customer, base.customer),
    store: text(a.store, base.store),
    kind: text(a.kind, base.kind) as SystemKind,
    ...(color === '' ? {} : { color }),
  };
}

/** "System hinzufügen…": asks for name, customer, store and kind; returns the new system. */
export async function addSystemCommand(services: Services, arg?: unknown): Promise<CustomerSystem | undefined> {
  const blank: CustomerSystem = { id: newSystemId(), name: '', customer: '', store: '', kind: 'Test' };
  const scripted = scriptedSystem(services, arg, blank);
  const system = scripted ?? (await askSystem(services, blank, vscode.l10n.t('Add System')));
  if (!system) return undefined;
  const added = await services.systems.put(system);
  if (!scripted) {
    // the next step is usually to work on it: offer the switch (not done unasked: another system may be in use)
    const switchNow = vscode.l10n.t('Switch to {0}', added.name);
    void vscode.window
      .showInformationMessage(vscode.l10n.t('System {0} added.', added.name), switchNow)
      .then(async (picked) => {
        if (picked === switchNow) await vscode.commands.executeCommand('ixhaus.systems.switch', { id: added.id });
      });
  }
  return added;
}

/** "System bearbeiten…": the same questions, prefilled; the id (and so the secrets) stays. */
export async function editSystemCommand(services: Services, arg?: unknown): Promise<CustomerSystem | undefined> {
  const current = systemOf(services, arg) ?? (await pickSystem(services, vscode.l10n.t('Edit System')));
  if (!current) return undefined;
  const changed =
    scriptedSystem(services, arg, current) ?? (await askSystem(services, current, vscode.l10n.t('Edit System')));
  if (!changed) return undefined;
  const saved = await services.systems.put(changed);
  // the active system's store changed: open the new one, so that the window shows what the status bar names
  if (services.systems.active?.id === saved.id && saved.store !== current.store) await services.systems.switchTo(saved);
  return saved;
}

/** "System duplizieren": a copy with a new id and name; its secrets are not copied (asked for when opened). */
export async function duplicateSystemCommand(services: Services, arg?: unknown): Promise<CustomerSystem | undefined> {
  const current = systemOf(services, arg) ?? (await pickSystem(services, vscode.l10n.t('Duplicate System')));
  if (!current) return undefined;
  return services.systems.put(duplicateSystem(current, services.systems.list(), vscode.l10n.t('Copy')));
}

/** "System entfernen": after a modal question; forgets its secrets, never deletes its store. */
export async function removeSystemCommand(services: Services, arg?: unknown): Promise<boolean> {
  const system = systemOf(services, arg) ?? (await pickSystem(services, vscode.l10n.t('Remove System')));
  if (!system) return false;
  const scripted = (scriptedArgs(services.context, arg) as { confirm?: unknown } | undefined)?.confirm === true;
  if (!scripted) {
    const remove = vscode.l10n.t('Remove');
    const answer = await vscode.window.showWarningMessage(
      vscode.l10n.t('Remove the system {0} from the list?', system.name),
      {
        modal: true,
        detail: vscode.l10n.t(
          'Its saved passwords and secrets are forgotten. The store itself ({0}) is not deleted.',
          system.store,
        ),
      },
      remove,
    );
    if (answer !== remove) return false;
  }
  await services.systems.remove(system.id);
  services.session.forget(system.id);
  return true;
}

/** Switches this window to a system (view click, quick pick, or `{ id }`); the views reload. */
export async function switchSystemCommand(services: Services, arg?: unknown): Promise<boolean> {
  const system = systemOf(services, arg) ?? (await pickSystem(services, vscode.l10n.t('Switch System')));
  if (!system) return false;
  try {
    return await services.systems.switchTo(system);
  } finally {
    services.refreshViews();
  }
}

/** The quick pick of the status-bar item: every system by customer, searchable, plus "Add System…". */
export async function pickSystemCommand(services: Services): Promise<boolean> {
  const picked = await pickSystem(services, vscode.l10n.t('Switch System'), true);
  if (picked === 'add') {
    await addSystemCommand(services);
    return false;
  }
  if (!picked) return false;
  return switchSystemCommand(services, { id: picked.id });
}

type SystemPick = vscode.QuickPickItem & { system?: CustomerSystem; add?: true };

function pickSystem(services: Services, title: string): Promise<CustomerSystem | undefined>;
function pickSystem(services: Services, title: string, offerAdd: true): Promise<CustomerSystem | 'add' | undefined>;
async function pickSystem(
  services: Services,
  title: string,
  offerAdd = false,
): Promise<CustomerSystem | 'add' | undefined> {
  const active = services.systems.active?.id;
  const items: SystemPick[] = [];
  for (const group of groupByCustomer(services.systems.list())) {
    items.push({
      label: group.customer === '' ? vscode.l10n.t('(no customer)') : group.customer,
      kind: vscode.QuickPickItemKind.Separator,
    });
    for (const system of group.systems)
      items.push({
        label: `${system.id === active ? '$(pass-filled)' : '$(database)'} ${system.name}`,
        description: group.customer === '' ? system.kind : `${system.kind} · ${group.customer}`,
        detail: system.store,
        system,
      });
  }
  if (offerAdd) items.push({ label: `$(add) ${vscode.l10n.t('Add System…')}`, add: true, alwaysShow: true });
  const picked = await vscode.window.showQuickPick(items, {
    title,
    placeHolder: vscode.l10n.t('Search by system, customer or store'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.add) return 'add';
  return picked?.system;
}
