/**
 * A record value as the column value the store keeps (issue 22 "upsert by the natural key"): references by the names
 * a file uses (team name, login, Objekt-, Kreditoren-, Meldungsnummer) become ids, or the row's error naming the
 * missing record and the fix. Shared by the entity planner (plan.ts) and the relation planner (planRelations.ts).
 */
import { msg } from '../errors';
import type { SqlCell } from '../store/asyncStore';
import type { ImportMessage, RowIssue } from './importTypes';
import type { Binding } from './planEntities';
import { teamIdOf } from './storeRefs';
import type { StoreRefs } from './storeRefs';

/** A localisable row message (English template, German in l10n/bundle.l10n.de.json). */
export function importMessage(code: string, template: string, args: readonly (string | number)[]): ImportMessage {
  return { code, template, args };
}
const m = importMessage;

/** The error of a team name that names no team. */
export function missingTeam(name: string): ImportMessage {
  return m(
    'team-missing',
    msg('The team "{0}" does not exist. Create it (Teamverwaltung, or import the teams first) or correct the name.'),
    [name],
  );
}

/** A record value as a column value, or the reason it cannot be stored. */
export function toColumn(refs: StoreRefs, b: Binding, value: unknown): { value: SqlCell } | { error: ImportMessage } {
  if (value === null) {
    if (b.kind === 'textOrEmpty') return { value: '' };
    if (b.kind === 'bool') return { value: 0 };
    return { value: null };
  }
  switch (b.kind) {
    case 'text':
    case 'textOrEmpty':
      return { value: String(value) };
    case 'int':
      return { value: Number(value) };
    case 'bool':
      return { value: value === true ? 1 : 0 };
    case 'teamRef': {
      const id = teamIdOf(refs, String(value));
      return id === undefined ? { error: missingTeam(String(value)) } : { value: id };
    }
    case 'userRef': {
      const id = refs.userIdByLogin.get(String(value).toLowerCase());
      return id === undefined
        ? {
            error: m(
              'user-missing',
              msg('There is no user with the login "{0}". Import the users first or correct the login.'),
              [String(value)],
            ),
          }
        : { value: id };
    }
    case 'creditorRef':
    case 'meldungRef': {
      const creditor = b.kind === 'creditorRef';
      const id = (creditor ? refs.creditorIdByNo : refs.meldungIdByNo).get(Number(value));
      if (id !== undefined) return { value: id };
      return creditor
        ? {
            error: m(
              'creditor-missing',
              msg(
                'There is no creditor with the Kreditorennummer {0}. Import the creditors first or correct the number.',
              ),
              [Number(value)],
            ),
          }
        : {
            error: m(
              'meldung-missing',
              msg('There is no Meldung with the Meldungsnummer {0}. Import the Meldungen first or correct the number.'),
              [Number(value)],
            ),
          };
    }
    case 'objectRef': {
      const id = refs.objectIdByNo.get(Number(value));
      return id === undefined
        ? {
            error: m(
              'object-missing',
              msg('There is no object with the Objektnummer {0}. Import the objects first or correct the number.'),
              [Number(value)],
            ),
          }
        : { value: id };
    }
  }
}

/**
 * A collector of the issues of one planned row: `add(field, severity, message)` records an issue of `row` (CSV
 * `line`) at the column that holds `field` in the file, after the issues the reader already found (`fileIssues`).
 */
export function rowIssues(
  columnOf: ReadonlyMap<string, { letter: string; header: string }>,
  row: number,
  line: number | undefined,
  fileIssues: readonly RowIssue[],
): { issues: RowIssue[]; add: (field: string, severity: 'error' | 'warning', message: ImportMessage) => void } {
  const issues: RowIssue[] = [...fileIssues];
  const add = (field: string, severity: 'error' | 'warning', message: ImportMessage): void => {
    const column = columnOf.get(field);
    issues.push({
      row,
      ...(line !== undefined ? { line } : {}),
      ...(column ? { column } : {}),
      field,
      severity,
      message,
    });
  };
  return { issues, add };
}
