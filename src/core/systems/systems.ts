/**
 * Kundensysteme (issue 20): the customer systems a consultant or administrator looks after — each one a store (a
 * file or a `postgres://` URL without password), a customer, a kind (Produktion / Test / Schulung) and an optional
 * colour. The list lives in the VS Code user setting `ixhaus.systems` (application scope) or, for the CLI, in a
 * JSON file (`IXHAUS_SYSTEMS`, `--systems-file`). A system's secrets are keyed by its stable random {@link
 * CustomerSystem.id}, never by its name or host: renaming keeps them, removing forgets them, and a new system
 * with an old name does not inherit them.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import { IxError, msg } from '../errors';
import { parseStoreLocation } from '../store/location';

/** The kinds of system, as iX-Haus administrators name them (the tag shown beside every system). */
export const SYSTEM_KINDS = ['Produktion', 'Test', 'Schulung'] as const;
export type SystemKind = (typeof SYSTEM_KINDS)[number];

/** One customer system. */
export interface CustomerSystem {
  /** stable random UUID: the key of the system's secrets; never shown, never changed by an edit */
  readonly id: string;
  /** unique (case-insensitive) display name, e.g. "Müller Hausverwaltung Produktion" */
  readonly name: string;
  /** the customer (groups the Systeme view); may be empty */
  readonly customer: string;
  /** a store file path or a `postgres://user@host:port/db` URL — never with a password */
  readonly store: string;
  readonly kind: SystemKind;
  /** a colour for the icon/text (`#rrggbb` or a theme colour id such as `charts.red`); optional */
  readonly color?: string;
}

/** The setting key (section `ixhaus`) and the CLI's environment variable naming a systems file. */
export const SYSTEMS_SETTING = 'systems';
export const SYSTEMS_ENV = 'IXHAUS_SYSTEMS';

/** A system or systems list that cannot be used; the message names the cause and the fix. */
export class SystemError extends IxError {}

/** An id as the extension writes it (a UUID) or as an administrator writes it by hand (`mueller-prod`). */
const SYSTEM_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const COLOR = /^(#[0-9a-f]{6}|[a-z][a-zA-Z0-9]*(\.[a-zA-Z0-9]+)+)$/;

/** A new random system id (RFC 9562 version 4 UUID). */
export function newSystemId(): string {
  return randomUUID();
}

/** Names are the same when they differ only in case or in spaces (`Müller  Produktion` = `müller produktion`). */
function sameName(a: string, b: string): boolean {
  const plain = (text: string): string => text.trim().replace(/\s+/g, ' ').toLocaleLowerCase('de');
  return plain(a) === plain(b);
}

/**
 * Checks one system against the others of its list (the list without it).
 * @returns the system with trimmed texts
 * @throws SystemError: empty name (E_SYSTEM_NAME), a name another system has (E_SYSTEM_DUPLICATE), an unknown kind
 *         (E_SYSTEM_KIND), a bad colour (E_SYSTEM_COLOR), a bad id (E_SYSTEM_ID); StoreLocationError from
 *         {@link parseStoreLocation} for the store (a password in the URL: E_STORE_URL_PASSWORD, with the reason)
 */
export function validateSystem(system: CustomerSystem, others: readonly CustomerSystem[]): CustomerSystem {
  const name = system.name.trim();
  if (!SYSTEM_ID.test(system.id))
    throw new SystemError(
      'E_SYSTEM_ID',
      msg(
        'The system {0} has the id "{1}", which cannot be used: an id has 1 to 64 letters, digits, ".", "_" or "-". Correct it, or leave "id" out and one is made.',
      ),
      [name, system.id],
    );
  if (name === '') throw new SystemError('E_SYSTEM_NAME', msg('A system needs a name.'));
  const clash = others.find((other) => other.id !== system.id && sameName(other.name, name));
  if (clash)
    throw new SystemError(
      'E_SYSTEM_DUPLICATE',
      msg('There is already a system named {0}. Give this system another name.'),
      [clash.name],
    );
  if (!(SYSTEM_KINDS as readonly string[]).includes(system.kind))
    throw new SystemError('E_SYSTEM_KIND', msg('The system {0} has the kind {1}; use Produktion, Test or Schulung.'), [
      name,
      String(system.kind),
    ]);
  const color = system.color?.trim();
  if (color !== undefined && color !== '' && !COLOR.test(color))
    throw new SystemError(
      'E_SYSTEM_COLOR',
      msg('The colour {0} of system {1} is not understood. Use #rrggbb or a theme colour such as charts.red.'),
      [color, name],
    );
  // throws with the reason (a password in the URL, a malformed URL …); a file path is kept as written
  parseStoreLocation(system.store);
  return {
    id: system.id,
    name,
    customer: system.customer.trim(),
    store: system.store.trim(),
    kind: system.kind,
    ...(color ? { color } : {}),
  };
}

function field(entry: Record<string, unknown>, key: string, index: number): string {
  const value = entry[key] ?? '';
  if (typeof value !== 'string')
    throw new SystemError('E_SYSTEMS_FORMAT', msg('Entry {0} of the systems list: "{1}" must be a text.'), [
      index + 1,
      key,
    ]);
  return value;
}

/**
 * Reads one entry of a systems list and checks it against the valid entries before it.
 * @param index 0-based position in the list
 * @throws SystemError (E_SYSTEMS_FORMAT), the errors of {@link validateSystem}
 */
function parseSystemEntry(raw: unknown, index: number, before: readonly CustomerSystem[]): CustomerSystem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SystemError('E_SYSTEMS_FORMAT', msg('Entry {0} of the systems list is not an object.'), [index + 1]);
  const entry = raw as Record<string, unknown>;
  const color = field(entry, 'color', index);
  // a hand-written entry may leave the id out: one is made (VS Code writes it back, see SystemsHost)
  const id = field(entry, 'id', index).trim();
  const system: CustomerSystem = {
    id: id === '' ? newSystemId() : id,
    name: field(entry, 'name', index),
    customer: field(entry, 'customer', index),
    store: field(entry, 'store', index),
    kind: field(entry, 'kind', index) as SystemKind,
    ...(color === '' ? {} : { color }),
  };
  return validateSystem(system, before);
}

/**
 * Reads a systems list (the value of the setting `ixhaus.systems` or the array of an `IXHAUS_SYSTEMS` file).
 * `undefined`/`null` is the empty list. Every entry is checked with {@link validateSystem} against those before it.
 * @throws SystemError (E_SYSTEMS_FORMAT: not an array, an entry not an object, a field of the wrong type), and the
 *         errors of {@link validateSystem}
 */
export function parseSystems(value: unknown): CustomerSystem[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new SystemError('E_SYSTEMS_FORMAT', msg('The systems list must be a JSON array of systems.'));
  const systems: CustomerSystem[] = [];
  value.forEach((raw: unknown, index) => systems.push(parseSystemEntry(raw, index, systems)));
  return systems;
}

/** An entry of a systems file that cannot be used, and why. */
export interface SystemEntryProblem {
  /** 1-based position in the list */
  readonly entry: number;
  /** the entry's name as written ('' when it has none or it is not a text) */
  readonly name: string;
  /** E_SYSTEMS_ENTRY, naming the file, the entry and the cause (the cause's message; a URL's password hidden) */
  readonly error: SystemError;
}

/** A systems file read entry by entry: the usable systems and the entries that are not. */
export interface SystemsFileContents {
  readonly systems: CustomerSystem[];
  readonly problems: SystemEntryProblem[];
}

function entryProblem(file: string, raw: unknown, index: number, cause: unknown): SystemEntryProblem {
  const written = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).name : undefined;
  const name = typeof written === 'string' ? written.trim() : '';
  const reason = cause instanceof Error ? cause.message : String(cause);
  return {
    entry: index + 1,
    name,
    error: new SystemError(
      'E_SYSTEMS_ENTRY',
      name === ''
        ? msg('Entry {1} of the systems file {0} cannot be used: {3}')
        : msg('Entry {1} ({2}) of the systems file {0} cannot be used: {3}'),
      [file, index + 1, name, reason],
      { cause },
    ),
  };
}

/**
 * Reads a systems file for the CLI: either a JSON array of systems (an `IXHAUS_SYSTEMS` file) or a VS Code user
 * `settings.json` (JSON with comments and trailing commas) whose `"ixhaus.systems"` is that array. Each entry is
 * checked on its own: a broken entry (a password in its URL, an unknown kind, a name used twice …) is reported in
 * `problems` and left out, so that the other systems of the file stay usable (issue 20, decided for the CLI: the
 * named system works if it is valid itself).
 * @throws SystemError (E_SYSTEMS_FILE: unreadable file, JSON syntax error with its offset; E_SYSTEMS_FORMAT: no list)
 */
export function readSystemsFileEntries(file: string): SystemsFileContents {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new SystemError(
      'E_SYSTEMS_FILE',
      msg(
        'The systems file {0} cannot be read ({1}). Name an existing file with --systems-file FILE or the environment variable IXHAUS_SYSTEMS (a JSON list of systems, or the VS Code settings.json that holds ixhaus.systems).',
      ),
      [file, (error as NodeJS.ErrnoException).code ?? String(error)],
    );
  }
  const errors: ParseError[] = [];
  const parsed: unknown = parseJsonc(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first) {
    const before = text.slice(0, first.offset).split('\n');
    throw new SystemError(
      'E_SYSTEMS_FILE',
      msg('The systems file {0} is not valid JSON: {1} at line {2}, column {3}.'),
      [file, printParseErrorCode(first.error), before.length, (before[before.length - 1]?.length ?? 0) + 1],
    );
  }
  const key = `ixhaus.${SYSTEMS_SETTING}`;
  const list: unknown = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' && parsed !== null && key in parsed
      ? (parsed as Record<string, unknown>)[key]
      : undefined;
  if (list === null) return { systems: [], problems: [] };
  if (!Array.isArray(list))
    throw new SystemError(
      'E_SYSTEMS_FORMAT',
      msg(
        'The systems file {0} holds no systems list. Write a JSON array of systems ([{ "name": …, "customer": …, "store": …, "kind": "Test" }]) or name the VS Code settings.json that holds "ixhaus.systems".',
      ),
      [file],
    );
  const systems: CustomerSystem[] = [];
  const problems: SystemEntryProblem[] = [];
  list.forEach((raw: unknown, index) => {
    try {
      systems.push(parseSystemEntry(raw, index, systems));
    } catch (error) {
      problems.push(entryProblem(file, raw, index, error));
    }
  });
  return { systems, problems };
}

/**
 * Reads a systems file and refuses it when any entry cannot be used ({@link readSystemsFileEntries} reads it
 * entry by entry).
 * @throws SystemError: the file errors, or E_SYSTEMS_ENTRY for the first broken entry (naming the file and entry)
 */
export function readSystemsFile(file: string): CustomerSystem[] {
  const { systems, problems } = readSystemsFileEntries(file);
  const first = problems[0];
  if (first) throw first.error;
  return systems;
}

/**
 * The system named `name` of a systems file read entry by entry: refused when an entry of that name is broken
 * (also when an earlier entry of that name is valid: then the name is ambiguous), so that a broken entry never
 * silently stands for another.
 * @throws SystemError: E_SYSTEMS_ENTRY of the broken entry with that name; E_SYSTEM_UNKNOWN naming the known systems
 */
export function findSystemInFile(contents: SystemsFileContents, name: string): CustomerSystem {
  const broken = contents.problems.find((p) => p.name !== '' && sameName(p.name, name));
  if (broken) throw broken.error;
  return findSystem(contents.systems, name);
}

/** The systems list as written to the setting or a file: plain objects, fields in a fixed order, no empty colour. */
export function serializeSystems(systems: readonly CustomerSystem[]): Array<Record<string, string>> {
  return systems.map((s) => ({
    id: s.id,
    name: s.name,
    customer: s.customer,
    store: s.store,
    kind: s.kind,
    ...(s.color ? { color: s.color } : {}),
  }));
}

/**
 * The system named `name` (case-insensitive).
 * @throws SystemError (E_SYSTEM_UNKNOWN) naming the known systems
 */
export function findSystem(systems: readonly CustomerSystem[], name: string): CustomerSystem {
  const found = systems.find((s) => sameName(s.name, name));
  if (!found)
    throw new SystemError('E_SYSTEM_UNKNOWN', msg('There is no system named {0}. Known systems: {1}.'), [
      name,
      systems.length === 0 ? '—' : systems.map((s) => s.name).join(', '),
    ]);
  return found;
}

/** A copy of `system` with a new id and a free name ("<name> (Kopie)", "<name> (Kopie 2)" …); secrets are not copied. */
export function duplicateSystem(
  system: CustomerSystem,
  all: readonly CustomerSystem[],
  copyWord: string,
): CustomerSystem {
  let name = `${system.name} (${copyWord})`;
  for (let n = 2; all.some((s) => sameName(s.name, name)); n++) name = `${system.name} (${copyWord} ${n})`;
  return { ...system, id: newSystemId(), name };
}

/**
 * The secret-storage key of a secret belonging to a system: `ixhaus.system/<id>/<purpose>`. Keyed by the id only,
 * so that renaming keeps the secret and another system (even with the same name, host or file) never sees it.
 * @param purpose what the secret is (one of {@link SYSTEM_SECRET_PURPOSES})
 */
export function systemSecretKey(systemId: string, purpose: SystemSecretPurpose): string {
  return `ixhaus.system/${systemId}/${purpose}`;
}

/**
 * Every secret a system can have (VS Code's secret storage cannot list keys, so removing a system forgets these).
 * Store password (issue 19), SMTP (issue 7), CTI AMI/TR-064 (issue 9), SFTP (licence fetch), the alert webhook URLs
 * (issue 21: a Workflows URL's query is its signature).
 */
export const SYSTEM_SECRET_PURPOSES = [
  'store.password',
  'mail.password',
  'mail.clientSecret',
  'cti.amiSecret',
  'cti.tr064Password',
  'sftp.password',
  'sftp.privateKey',
  'sftp.passphrase',
  'alerts.teamsWebhook',
  'alerts.jsonWebhook',
] as const;
export type SystemSecretPurpose = (typeof SYSTEM_SECRET_PURPOSES)[number];

/** The systems grouped by customer (customers and names sorted, German collation; no customer sorts last). */
export function groupByCustomer(
  systems: readonly CustomerSystem[],
): Array<{ customer: string; systems: CustomerSystem[] }> {
  const groups = new Map<string, CustomerSystem[]>();
  for (const s of systems) groups.set(s.customer, [...(groups.get(s.customer) ?? []), s]);
  const collator = new Intl.Collator('de');
  return [...groups.entries()]
    .sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : collator.compare(a, b)))
    .map(([customer, list]) => ({ customer, systems: list.sort((a, b) => collator.compare(a.name, b.name)) }));
}
