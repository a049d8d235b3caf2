import { ChangedMeanwhileError, IxError, PermissionError, msg } from '../errors';
import type { AsyncQueryable, AsyncStore } from '../store/asyncStore';
import { isAdmin } from '../access/rights';
import type { Actor } from '../access/rights';
import { CATALOG, checkValue, findSetting } from './catalog';
import type { SettingDefinition } from './catalog';

export class UnknownSettingError extends IxError {
  constructor(key: string) {
    super(
      'E_SETTING_UNKNOWN',
      msg('There is no setting "{0}". Search the catalogue (Bereich, Abschnitt, System-ID or Name) for the right one.'),
      [key],
    );
  }
}

export class SettingValueError extends IxError {
  constructor(name: string, value: string, reason: string) {
    super('E_SETTING_VALUE', msg('"{1}" is not a valid value for {0}: {2}.'), [name, value, reason]);
  }
}

export class VendorOnlySettingError extends IxError {
  constructor(name: string) {
    super(
      'E_SETTING_VENDOR_ONLY',
      msg('{0} is protected: only CREM SOLUTIONS changes it. Contact CREM support if it must be changed.'),
      [name],
    );
  }
}

export class SettingScopeError extends IxError {
  constructor(name: string, scope: string) {
    super(
      'E_SETTING_SCOPE',
      msg(
        '{0} is a {1} setting and cannot be set that way. Global settings have one value for all; user settings belong to one user.',
      ),
      [name, scope],
    );
  }
}

/** A setting with its current value. */
export interface SettingState {
  readonly definition: SettingDefinition;
  /** the value in force (stored value, else the default) */
  readonly value: string;
  /** a value differing from the default is stored */
  readonly changed: boolean;
  /** ISO time and login of the last change, if stored */
  readonly changedAt: string | undefined;
  readonly changedBy: string | undefined;
}

interface ValueRow extends Record<string, string | number | null> {
  value: string;
  changed_at: string;
  login: string | null;
}

/** Reads the stored value of a setting (global when `userId` is undefined). */
async function storedValue(
  store: AsyncQueryable,
  def: SettingDefinition,
  userId: number | undefined,
): Promise<ValueRow | undefined> {
  return await store.get<ValueRow>(
    `SELECT s.value, s.changed_at, u.login FROM setting_values s LEFT JOIN users u ON u.id = s.changed_by
      WHERE s.area = ? AND s.section = ? AND s.name = ? AND coalesce(s.user_id, 0) = ?`,
    [def.area, def.section, def.name, userId ?? 0],
  );
}

/**
 * The state of a setting: global settings ignore `userId`; user settings need it (no user = the default).
 */
export async function settingState(
  store: AsyncQueryable,
  def: SettingDefinition,
  userId?: number,
): Promise<SettingState> {
  const row = await (def.scope === 'user'
    ? userId === undefined
      ? undefined
      : storedValue(store, def, userId)
    : storedValue(store, def, undefined));
  return {
    definition: def,
    value: row?.value ?? def.default,
    changed: row !== undefined && row.value !== def.default,
    changedAt: row?.changed_at,
    changedBy: row?.login ?? undefined,
  };
}

/** All catalogue settings with their values (user settings as seen by `userId`). */
export async function listSettingStates(
  store: AsyncQueryable,
  userId?: number,
  catalog: readonly SettingDefinition[] = CATALOG,
): Promise<SettingState[]> {
  const states: SettingState[] = [];
  for (const def of catalog) states.push(await settingState(store, def, userId));
  return states;
}

/** Resolves a key or throws. @throws UnknownSettingError */
export function requireSetting(key: string): SettingDefinition {
  const def = findSetting(key);
  if (!def) throw new UnknownSettingError(key);
  return def;
}

/** What a change did. */
export interface SettingChange {
  readonly definition: SettingDefinition;
  readonly oldValue: string;
  readonly newValue: string;
  /** false when the value was already in force */
  readonly changed: boolean;
  /** the program must be restarted for the change to take effect */
  readonly restartRequired: boolean;
}

/**
 * Sets a setting (product.md §4). Global settings: admins only. User settings: each user for themselves
 * (Meine Daten), never for another user. Vendor-only settings: nobody. The value is validated by type; a value
 * equal to the default removes the stored row. Audited (old → new, who, when) in the same transaction.
 * @param forUserId the user whose own setting this is (user settings only; default the actor)
 * @throws UnknownSettingError, VendorOnlySettingError, PermissionError, SettingValueError, SettingScopeError
 */
export async function setSetting(
  store: AsyncStore,
  actor: Actor,
  key: string,
  rawValue: string,
  options: {
    forUserId?: number;
    now?: Date;
    /** the value the edit was based on (what the user saw): refused when the stored value differs meanwhile */
    expected?: string;
  } = {},
): Promise<SettingChange> {
  const def = requireSetting(key);
  if (def.vendorOnly) throw new VendorOnlySettingError(def.name);
  let userId: number | undefined;
  if (def.scope === 'user') {
    userId = options.forUserId ?? actor.id;
    if (userId !== actor.id)
      throw new PermissionError(`change ${def.name} of another user`, 'that user themselves (Meine Daten)');
  } else {
    if (options.forUserId !== undefined) throw new SettingScopeError(def.name, 'global');
    if (!isAdmin(actor))
      throw new PermissionError(
        `change the system setting ${def.name}`,
        'an administrator (rights class S or role Administrator)',
      );
  }
  const check = checkValue(def.type, rawValue);
  if (!check.ok) throw new SettingValueError(def.name, rawValue, check.reason);
  const now = (options.now ?? new Date()).toISOString();
  return await store.transaction(async (tx): Promise<SettingChange> => {
    // two admins changing one setting at once: the second reads what the first committed (issue 19)
    await tx.lock(`setting:${def.systemId}:${userId ?? 0}`);
    const oldValue = (await settingState(tx, def, userId)).value;
    if (options.expected !== undefined && options.expected !== oldValue)
      throw new ChangedMeanwhileError(`${def.name}`, oldValue === '' ? '""' : oldValue);
    const newValue = check.value;
    if (oldValue === newValue) return { definition: def, oldValue, newValue, changed: false, restartRequired: false };
    await tx.run(
      'DELETE FROM setting_values WHERE area = ? AND section = ? AND name = ? AND coalesce(user_id, 0) = ?',
      [def.area, def.section, def.name, userId ?? 0],
    );
    if (newValue !== def.default) {
      await tx.run(
        'INSERT INTO setting_values (area, section, name, user_id, value, changed_at, changed_by) VALUES (?, ?, ?, ?, ?, ?, ?)',
        [def.area, def.section, def.name, userId ?? null, newValue, now, actor.id],
      );
    }
    await tx.run(
      "INSERT INTO audit_log (at, user_id, action, entity, entity_key, old_value, new_value) VALUES (?, ?, 'setting.set', 'setting', ?, ?, ?)",
      [
        now,
        actor.id,
        `${def.systemId} ${def.area}/${def.section}/${def.name}${userId !== undefined ? ` user ${userId}` : ''}`,
        oldValue,
        newValue,
      ],
    );
    return { definition: def, oldValue, newValue, changed: true, restartRequired: def.restartRequired };
  });
}

/** "Auf Standard zurücksetzen": sets the default value (same rights and audit as {@link setSetting}). */
export function resetSetting(
  store: AsyncStore,
  actor: Actor,
  key: string,
  options: { forUserId?: number; now?: Date } = {},
): Promise<SettingChange> {
  return setSetting(store, actor, key, requireSetting(key).default, options);
}

/**
 * The tab counters in effect for a user (product.md §4): the global "Tabreiter Zähler bei allen Usern aktivieren"
 * AND the user's own "Tabreiter Zähler aktivieren".
 */
export async function effectiveTabCounters(
  store: AsyncQueryable,
  userId: number,
): Promise<{ global: boolean; own: boolean; effective: boolean }> {
  const global = (await settingState(store, requireSetting('TabreiterZaehlerAlleUser'))).value === '1';
  const own = (await settingState(store, requireSetting('TabreiterZaehlerAktiv'), userId)).value === '1';
  return { global, own, effective: global && own };
}

/** The display text of a value: bool as aktiv / nicht aktiv (de) or on / off (en), empty as "(leer)". */
export function displayValue(def: SettingDefinition, value: string, language: 'de' | 'en'): string {
  if (def.type.kind === 'bool')
    return value === '1' ? (language === 'de' ? 'aktiv' : 'on') : language === 'de' ? 'nicht aktiv' : 'off';
  if (value === '') return language === 'de' ? '(leer)' : '(empty)';
  return value;
}

/**
 * "Inhalte in die Zwischenablage kopieren" (domain.md §1.1): Bereich, Abschnitt, Name, Kurzbeschreibung,
 * Beschreibung and Wert, one per line, for a support mail.
 */
export function clipboardText(state: SettingState, language: 'de' | 'en'): string {
  const d = state.definition;
  const labels =
    language === 'de'
      ? ['Bereich', 'Abschnitt', 'System-ID', 'Name', 'Kurzbeschreibung', 'Beschreibung', 'Wert', 'Standardwert']
      : ['Area', 'Section', 'System ID', 'Name', 'Short description', 'Description', 'Value', 'Default'];
  const values = [
    d.area,
    d.section,
    d.systemId,
    d.name,
    d.short[language],
    d.long[language],
    displayValue(d, state.value, language),
    displayValue(d, d.default, language),
  ];
  return `${labels.map((l, i) => `${l}: ${values[i]}`).join('\n')}\n`;
}
