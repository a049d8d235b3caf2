/**
 * The names a user may give an import kind (issue 22 "Kinds"; CLI `import KIND FILE`, `export KIND`): the English
 * kind ids of {@link IMPORT_KINDS} and their German iX-Haus names, compared case-insensitively, with umlauts written
 * as umlauts or as `ae`/`oe`/`ue`. One table for every surface, so that `import` and `export` accept the same names
 * and refuse an unknown one with the same error.
 */
import { IxError, msg } from '../errors';
import { IMPORT_KINDS, isImportKind } from './importTypes';
import type { ImportKind } from './importTypes';

/**
 * German names per kind (lower case; the umlaut-free spelling is accepted as well, see {@link kindNameKey}).
 * `eigentuemer` = Eigentümer, `auftraege` = Aufträge, `objekt-verknuepfungen` = Objekt-Verknüpfungen (the kind
 * `object-links`: object ↔ owner/creditor/person), `verantwortliche`/`zustaendigkeiten` = Verantwortliche /
 * Zuständigkeiten (the kind `responsibilities`).
 */
export const GERMAN_KIND_NAMES: Readonly<Record<ImportKind, readonly string[]>> = {
  users: ['benutzer'],
  teams: ['teams'],
  objects: ['objekte'],
  persons: ['personen'],
  creditors: ['kreditoren'],
  owners: ['eigentümer'],
  'object-links': ['objekt-verknüpfungen'],
  meldungen: ['meldungen'],
  auftraege: ['aufträge'],
  responsibilities: ['verantwortliche', 'zuständigkeiten'],
};

/** The comparison form of a kind name: trimmed, lower case, `ä ö ü ß` → `ae oe ue ss`. */
export function kindNameKey(name: string): string {
  return name.trim().toLowerCase().replace(/ä/g, 'ae').replace(/ö/g, 'oe').replace(/ü/g, 'ue').replace(/ß/g, 'ss');
}

const BY_NAME: ReadonlyMap<string, ImportKind> = new Map(
  IMPORT_KINDS.flatMap((kind) => [kind, ...GERMAN_KIND_NAMES[kind]].map((name) => [kindNameKey(name), kind] as const)),
);

/** The kind names for messages: `persons (personen)`, …, English id first, then the German names. */
export function kindNamesText(): string {
  return IMPORT_KINDS.map((kind) => {
    const german = GERMAN_KIND_NAMES[kind].filter((g) => g !== kind);
    return german.length > 0 ? `${kind} (${german.join(', ')})` : kind;
  }).join(', ');
}

/** The name given is no import kind. */
export class UnknownImportKindError extends IxError {
  constructor(name: string) {
    super('E_IMPORT_KIND_UNKNOWN', msg('"{0}" is not a kind of master data. Use one of: {1}.'), [
      name,
      kindNamesText(),
    ]);
  }
}

/** The kind named by `name` (English id or German name, any case, umlauts or `ae`/`oe`/`ue`), or undefined. */
export function findImportKind(name: string): ImportKind | undefined {
  if (isImportKind(name)) return name;
  return BY_NAME.get(kindNameKey(name));
}

/**
 * The kind named by `name` ({@link findImportKind}).
 * @throws UnknownImportKindError listing the kinds (English and German) when `name` names none
 */
export function resolveImportKind(name: string): ImportKind {
  const kind = findImportKind(name);
  if (kind === undefined) throw new UnknownImportKindError(name);
  return kind;
}
