/**
 * The text and JSON forms of the `cti` verbs (issue 9 §7): a lookup result, a finished call of `cti listen`, and an
 * Anrufjournal entry of `cti journal`.
 */
import type { LookupResult, PartyMatch } from '../core/cti/callerLookup';
import type { JournalEntry } from '../core/cti/callJournal';
import type { FinishedCall } from '../core/cti/callOutcome';

/** The key of a party in the `addresses` of {@link lookupText}. */
export function partyKey(match: Pick<PartyMatch, 'origin' | 'partyId'>): string {
  return `${match.origin}:${match.partyId}`;
}

/**
 * Text lines for a lookup result. `addresses` (by {@link partyKey}; `cti lookup` reads them, schema v13) adds a line
 * "Straße, PLZ Ort" under each match that has one.
 */
export function lookupText(result: LookupResult, addresses?: ReadonlyMap<string, string>): string {
  switch (result.outcome) {
    case 'suppressed':
      return 'Rufnummer unterdrückt (suppressed) — no lookup';
    case 'internal':
      return result.users.length === 0
        ? `internal extension ${result.extension}: no user`
        : `internal extension ${result.extension}: ${result.users.map((u) => `${u.name} (${u.login})`).join(', ')}`;
    case 'unknown':
      return `unknown caller${result.e164 ? ` ${result.e164}` : ''}${result.reason ? ` (${result.reason})` : ''}`;
    case 'matched':
      return [
        `${result.e164}: ${result.matches.length} match${result.matches.length === 1 ? '' : 'es'}`,
        ...result.matches.map((m) => {
          const line = `  ${m.origin.padEnd(8)} ${String(m.partyNo).padStart(7)}  ${m.name}  [${m.field}: ${m.raw}]${m.via === 'exact' ? '' : ` (${m.via})`}${result.picked === m ? ' ← picked' : ''}`;
          const address = addresses?.get(partyKey(m));
          return address === undefined ? line : `${line}\n${' '.repeat(19)}${address}`;
        }),
      ].join('\n');
  }
}

/** One text line for a finished call (`cti listen` without --json). */
export function finishedText(call: FinishedCall): string {
  const where = [call.line, call.extension && `ext ${call.extension}`, call.ownNumber && `own ${call.ownNumber}`]
    .filter(Boolean)
    .join(', ');
  return `${call.startedAt} ${call.direction === 'in' ? 'from' : 'to'} ${call.remote || '(unterdrückt)'}: ${call.outcome}${call.durationSeconds !== null ? `, ${call.durationSeconds} s` : ''}${call.answeredAt ? `, answered ${call.answeredAt}` : ''}${call.endedAt ? `, ended ${call.endedAt}` : ''}${where ? ` [${where}]` : ''}`;
}

/** The JSON object of an Anrufjournal entry (`cti journal --json`); `outcome` is derived from the state for old rows. */
export function journalJson(e: JournalEntry): Record<string, unknown> {
  return {
    id: e.id,
    direction: e.direction,
    outcome: e.outcome ?? (e.state === 'missed' ? 'missed' : e.state === 'ended' ? 'answered' : null),
    state: e.state,
    startedAt: e.startedAt,
    answeredAt: e.answeredAt,
    endedAt: e.endedAt,
    durationSeconds: e.durationSeconds,
    ownNumber: e.ownNumber,
    line: e.line,
    extension: e.extension,
    remote: e.remoteNumber ?? '',
    match: e.matchName,
    note: e.note,
    open: e.open,
  };
}

/** One text line for an Anrufjournal entry (`cti journal` without --json). */
export function journalText(e: JournalEntry): string {
  const j = journalJson(e);
  const where = [e.line, e.extension && `ext ${e.extension}`, e.ownNumber && `own ${e.ownNumber}`]
    .filter(Boolean)
    .join(', ');
  return `${e.startedAt}  ${e.direction === 'in' ? '←' : '→'} ${e.remoteNumber ?? '(unterdrückt)'}${e.matchName ? ` ${e.matchName}` : ''}  ${String(j.outcome ?? e.state)}${e.durationSeconds !== null ? ` ${e.durationSeconds} s` : ''}${e.open ? ' (to call back)' : ''}${where ? `  [${where}]` : ''}${e.note ? `  „${e.note}“` : ''}`;
}
