/**
 * `ixhaus-admin responsible transfer|history|undo` — "Verantwortlichen ändern" from the command line (issue 8 §4,
 * product.md §6). Same core and rights as the extension: every verb signs in (`--user`, `--password-env`) because
 * even the history needs an admin with the Komfortpaket.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { formatTemplate } from '../core/errors';
import { planTransfer } from '../core/responsibility/transferPlanner';
import type { TransferPlan } from '../core/responsibility/transferPlanner';
import { MODULE_NAME, TRANSFER_MODULES, TRANSFER_ROLES } from '../core/responsibility/transferRequest';
import type { TransferModule, TransferRole } from '../core/responsibility/transferRequest';
import { applyTransfer, describeCounts, transferHistory, undoTransfer } from '../core/responsibility/transferService';
import type { AsyncStore } from '../core/store/asyncStore';
import type { Actor } from '../core/access/rights';
import { asUser, signInOptions } from './adminCommands';
import { shellQuote, storeHintArgs } from './shellQuote';
import type { SignInOptions } from './adminCommands';
import { count, runVerb, EXIT_FAILED } from './output';
import type { VerbResult } from './output';

/** Accepted spellings of the modules (English column names, German names, license codes). */
const MODULE_ALIASES: Readonly<Record<string, TransferModule>> = {
  objects: 'objects',
  objekte: 'objects',
  meldungen: 'meldungen',
  auftraege: 'auftraege',
  aufträge: 'auftraege',
  technical_objects: 'technical_objects',
  'technical-objects': 'technical_objects',
  'technische-objekte': 'technical_objects',
  techobj: 'technical_objects',
};

const ROLE_ALIASES: Readonly<Record<string, TransferRole>> = {
  responsible: 'responsible',
  verantwortlicher: 'responsible',
  deputy: 'deputy',
  vertreter: 'deputy',
  vertretung: 'deputy',
};

function listParser<T>(aliases: Readonly<Record<string, T>>, what: string): (value: string) => T[] {
  return (value: string) =>
    value
      .split(',')
      .map((v) => v.trim().toLowerCase())
      .filter((v) => v !== '')
      .map((v) => {
        const found = aliases[v];
        if (found === undefined)
          throw new InvalidArgumentError(`"${v}" is not a ${what}; use ${Object.keys(aliases).join(', ')}`);
        return found;
      });
}

function objectList(value: string): number[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '')
    .map((v) => count(v));
}

/**
 * Signs in for a verb that changes nothing (preview, history): a file store is opened for writing when it is free,
 * so that the sign-in is audited and a failed one counts towards the throttle (issue 15); when another window holds
 * it, read-only (the throttle recorded in the store still applies; the attempt is counted in this process only and
 * not audited). See {@link CliStoreMode} `read-signed-in`.
 */
function readingAs<T>(options: SignInOptions, body: (store: AsyncStore, actor: Actor) => Promise<T>): Promise<T> {
  return asUser(options, body, 'write-if-free');
}

interface TransferOptions extends SignInOptions {
  from: string;
  to: string;
  objects?: number[];
  team?: string;
  modules: TransferModule[];
  roles: TransferRole[];
  includeClosed?: boolean;
  dryRun?: boolean;
  limit: number;
}

function planText(plan: TransferPlan, limit: number): string {
  const lines = [`${plan.from.login} → ${plan.to.login}: ${plan.total} assignment(s)`];
  for (const c of plan.counts)
    lines.push(`  ${MODULE_NAME[c.module].padEnd(20)} ${c.role.padEnd(12)} ${String(c.count).padStart(7)}`);
  for (const w of plan.warnings)
    lines.push(`${w.blocking ? 'error' : 'warning'}: ${formatTemplate(w.template, w.args)}`);
  for (const a of plan.assignments.slice(0, limit)) {
    lines.push(
      `  ${String(a.objectNo).padEnd(6)} ${MODULE_NAME[a.module].padEnd(20)} ${a.role.padEnd(12)} ${a.recordNo === null ? '' : String(a.recordNo).padEnd(7)}${a.label}${a.closed ? ' (closed)' : ''}`,
    );
  }
  if (plan.assignments.length > limit) lines.push(`  … and ${plan.assignments.length - limit} more (--limit N)`);
  return `${lines.join('\n')}\n`;
}

function planJson(plan: TransferPlan, limit: number): object {
  return {
    from: plan.from,
    to: plan.to,
    request: plan.request,
    total: plan.total,
    counts: plan.counts,
    warnings: plan.warnings.map((w) => ({
      code: w.code,
      blocking: w.blocking,
      message: formatTemplate(w.template, w.args),
    })),
    assignments: plan.assignments.slice(0, limit),
    fingerprint: plan.fingerprint,
  };
}

/** Adds the `responsible` verbs. */
export function registerResponsibleCommands(program: Command): void {
  const responsible = program
    .command('responsible')
    .description(
      'Verantwortlichen ändern: transfer responsibilities with preview, history and undo (admin + Komfortpaket)',
    )
    .exitOverride();

  signInOptions(
    responsible
      .command('transfer')
      .description('move the assignments of one user to another (preview with --dry-run)')
      .requiredOption('--from <login>', 'previous responsible user')
      .requiredOption('--to <login>', 'new responsible user (active)')
      .option('--objects <numbers>', 'only these Objektnummern, comma-separated (default: all objects)', objectList)
      .option('--team <name>', 'only objects of this team')
      .requiredOption(
        '--modules <list>',
        `modules, comma-separated: ${TRANSFER_MODULES.join(', ')} (or objekte, aufträge, technische-objekte)`,
        listParser(MODULE_ALIASES, 'module'),
      )
      .option(
        '--roles <list>',
        `roles, comma-separated: ${TRANSFER_ROLES.join(', ')}`,
        listParser(ROLE_ALIASES, 'role'),
        [...TRANSFER_ROLES],
      )
      .option('--include-closed', 'also closed Meldungen and Aufträge (default: open records only)')
      .option('--dry-run', 'only show the preview; change nothing')
      .option('--limit <n>', 'records listed in the preview', count, 50),
  )
    .exitOverride()
    .action((options: TransferOptions) =>
      runVerb(options.json === true, async (): Promise<VerbResult> => {
        const request = {
          fromLogin: options.from,
          toLogin: options.to,
          ...(options.objects ? { objectNos: options.objects } : {}),
          ...(options.team ? { team: options.team } : {}),
          modules: options.modules,
          roles: options.roles,
          includeClosed: options.includeClosed === true,
        };
        if (options.dryRun) {
          const p = await readingAs(options, (store, actor) => planTransfer(store, actor, request));
          // a preview that the apply would refuse (same user, inactive target, nothing matches) ends with exit 1
          if (p.warnings.some((w) => w.blocking)) process.exitCode = EXIT_FAILED;
          return {
            json: { dryRun: true, ...planJson(p, options.limit) },
            text: `${planText(p, options.limit)}dry run: nothing was changed\n`,
          };
        }
        return asUser(options, async (store, actor): Promise<VerbResult> => {
          // the CLI applies right after its own preview: the fingerprint guards against nothing else than the gap between the two
          const plan = await planTransfer(store, actor, request);
          const result = await applyTransfer(store, actor, plan.request, plan.fingerprint, plan.total);
          return {
            json: { dryRun: false, ...planJson(plan, options.limit), batchId: result.batchId, at: result.at },
            text: `${planText(plan, options.limit)}done: batch ${result.batchId} moved ${result.total} assignment(s) (${describeCounts(result.counts)}); undo with: ixhaus-admin responsible undo ${shellQuote(String(result.batchId))} ${storeHintArgs(options)} --user ${shellQuote(options.user)} --password-env ${shellQuote(options.passwordEnv)}\n`,
          };
        });
      }),
    );

  signInOptions(
    responsible
      .command('history')
      .description('list transfer batches, newest first')
      .option('--limit <n>', 'at most this many batches', count, 50),
  )
    .exitOverride()
    .action((options: SignInOptions & { limit: number }) =>
      runVerb(options.json === true, () =>
        readingAs(options, async (store, actor): Promise<VerbResult> => {
          const batches = await transferHistory(store, actor, options.limit);
          const text = batches
            .map(
              (b) =>
                `${b.batchId}  ${b.at}  by ${b.by ?? '?'}  ${b.from} → ${b.to}  ${b.total} (${describeCounts(b.counts)})${b.undoneAt ? `  undone ${b.undoneAt} by ${b.undoneBy ?? '?'}: ${b.undoRestored ?? 0} restored, ${b.undoSkipped ?? 0} changed since` : ''}`,
            )
            .join('\n');
          return { json: { batches }, text: batches.length === 0 ? 'no transfer batches yet\n' : `${text}\n` };
        }),
      ),
    );

  signInOptions(
    responsible
      .command('undo')
      .description('undo a transfer batch (restores what still holds the transferred user)')
      .argument('<batch>', 'batch id (see history)'),
  )
    .exitOverride()
    .action((batch: string, options: SignInOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor): Promise<VerbResult> => {
          const result = await undoTransfer(store, actor, batch);
          const lines = [`undone batch ${result.batchId}: ${result.restored} assignment(s) restored`];
          if (result.skipped.length > 0) {
            lines.push(`${result.skipped.length} assignment(s) changed since the transfer and were left alone:`);
            for (const s of result.skipped.slice(0, 50))
              lines.push(
                `  ${s.objectNo ?? '?'} ${MODULE_NAME[s.module]} ${s.role} ${s.recordId ?? ''} → now ${s.nowHeldBy ?? 'deleted'}`,
              );
            if (result.skipped.length > 50) lines.push(`  … and ${result.skipped.length - 50} more (--json lists all)`);
          }
          return { json: { ...result }, text: `${lines.join('\n')}\n` };
        }),
      ),
    );
}
