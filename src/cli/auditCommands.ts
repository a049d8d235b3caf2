/**
 * `ixhaus-admin audit list`: the audit log of a store (who changed what, when, old → new), newest first, for
 * administrators (checked in core, src/core/audit/auditLog.ts). Text output shows local time with its UTC offset;
 * `--json` the stored ISO-8601 UTC times. The signing-in administrator is `--user` as in every verb, so the filter by
 * acting user is `--by LOGIN`.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { listAuditEntries } from '../core/audit/auditLog';
import type { AuditEntry, AuditQuery } from '../core/audit/auditLog';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { localTimeText, runVerb } from './output';
import type { VerbResult } from './output';

interface AuditListOptions extends SignInOptions {
  action?: string;
  since?: Date;
  days?: number;
  by?: string;
  limit: number;
}

/**
 * Reads `--since`: a date `YYYY-MM-DD` (from local midnight of that day) or a date and time with an offset or `Z`
 * (`2026-12-01T08:00:00+01:00`).
 * @throws InvalidArgumentError (commander: exit 2) for anything else
 */
export function parseSince(text: string): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (day) {
    const date = new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    if (date.getMonth() === Number(day[2]) - 1 && date.getDate() === Number(day[3])) return date;
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    const instant = new Date(text);
    if (!Number.isNaN(instant.getTime())) return instant;
  }
  throw new InvalidArgumentError('expected a date YYYY-MM-DD (local midnight) or YYYY-MM-DDTHH:MM with Z or an offset');
}

function positive(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}

/** A value for one text line: on one line, at most 60 characters (the full value is in --json). */
function short(value: string | null): string {
  if (value === null) return '–';
  const flat = value.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
}

function entryLine(e: AuditEntry): string {
  const what = `${e.entity}${e.entityKey !== null ? ` ${e.entityKey}` : ''}`;
  const change = e.oldValue === null ? short(e.newValue) : `${short(e.oldValue)} → ${short(e.newValue)}`;
  return `${localTimeText(e.at)}  ${(e.login ?? '(system)').padEnd(8)}  ${e.action.padEnd(22)}  ${what}: ${change}${e.batchId !== null ? `  [batch ${e.batchId}]` : ''}`;
}

/** Registers `audit list`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('read the audit log of a store (administrators)').exitOverride();
  signInOptions(
    audit
      .command('list')
      .description(
        'audit log rows, newest first: time (local, with offset), user, action, what, old → new (administrators)',
      )
      .option('--action <prefix>', 'only actions starting with this text, e.g. mail. or responsible. or sign-in')
      .option(
        '--since <date>',
        'only rows from this date (YYYY-MM-DD, local midnight) or instant (ISO with offset)',
        parseSince,
      )
      .option('--days <n>', 'only rows of the last N days (N × 24 h back from now)', positive)
      .option('--by <login>', 'only rows of this acting user')
      .option('--limit <n>', 'at most this many rows (1 … 10000)', positive, 50),
  )
    .exitOverride()
    .action((options: AuditListOptions, command: Command) => {
      if (options.since !== undefined && options.days !== undefined)
        command.error('error: give either --since or --days, not both', { code: 'commander.conflictingOption' });
      return runVerb(options.json === true, () =>
        asUser(
          options,
          async (store, actor): Promise<VerbResult> => {
            const query: AuditQuery = {
              ...(options.action !== undefined ? { actionPrefix: options.action } : {}),
              ...(options.since !== undefined ? { since: options.since } : {}),
              ...(options.days !== undefined ? { since: new Date(Date.now() - options.days * 86_400_000) } : {}),
              ...(options.by !== undefined ? { login: options.by } : {}),
              limit: options.limit,
            };
            const entries = await listAuditEntries(store, actor, query);
            const more = entries.length === options.limit ? ` (the newest ${options.limit}: --limit N for more)` : '';
            return {
              json: { entries },
              text:
                entries.length === 0
                  ? 'no audit rows match\n'
                  : `${entries.map(entryLine).join('\n')}\n${entries.length} ${entries.length === 1 ? 'row' : 'rows'}${more}\n`,
            };
          },
          'write-if-free',
        ),
      );
    });
}
