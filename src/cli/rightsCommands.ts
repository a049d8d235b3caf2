/**
 * `ixhaus-admin rights …` (issue 18): the program rights of a rights class (Benutzerklasse) per module or list —
 * allow, deny, or clear (inherit), domain.md §2.4. The same core as the extension's "Edit Program Rights…":
 * administrators only, checked in core, audited.
 */
import type { Command } from 'commander';
import { listProgramRights, setProgramRight } from '../core/users/programRights';
import type { ProgramRight, ProgramRightChange } from '../core/users/programRights';
import { asUser, signInOptions } from './adminCommands';
import type { SignInOptions } from './adminCommands';
import { runVerb } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';
import type { VerbResult } from './output';

interface RightOptions extends SignInOptions {
  class: string;
  module: string;
  list?: string;
}

function rightLine(r: ProgramRight): string {
  return `${r.rightsClass}  ${`${r.moduleCode} (${r.moduleName})`.padEnd(36)} ${(r.list || '(whole module)').padEnd(32)} ${r.allowed ? 'allow' : 'deny'}`;
}

function changeResult(c: ProgramRightChange): VerbResult {
  const what = `class ${c.rightsClass}, ${c.moduleCode}${c.list ? ` › ${c.list}` : ''}`;
  return {
    json: c,
    text: c.changed ? `${what}: ${c.oldSetting} → ${c.newSetting}\n` : `${what} is already ${c.newSetting}\n`,
  };
}

function rightOptions(command: Command): Command {
  return signInOptions(command)
    .requiredOption('--class <letter>', 'rights class (Benutzerklasse) A–Z, not S')
    .requiredOption('--module <code>', 'module code from the installed license, e.g. MELDUNGEN')
    .option('--list <name>', "a list (menu item) inside the module; without it the right is the module's own");
}

/** Adds the `rights list|set|clear` verbs. */
export function registerRightsCommands(program: Command): void {
  const rights = program
    .command('rights')
    .description(
      "program rights per rights class: allow or deny a module or a list in it (lists inherit the module's right)",
    )
    .exitOverride();

  addStoreOptions(
    rights
      .command('list')
      .description(
        'the stored program rights; everything not listed inherits (a module is allowed, a list follows its module)',
      ),
  )
    .option('--json', 'print the result as JSON')
    .option('--class <letter>', 'only this rights class')
    .option('--module <code>', 'only this module')
    .exitOverride()
    .action((options: StoreCliOptions & { json?: boolean; class?: string; module?: string }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store) => {
          const list = await listProgramRights(store, {
            rightsClass: options.class?.toUpperCase(),
            moduleCode: options.module?.toUpperCase(),
          });
          const text =
            list.length === 0
              ? 'no program rights stored: every rights class may use every module it has unlocked\n'
              : `${list.map(rightLine).join('\n')}\n`;
          return { json: { rights: list }, text };
        }),
      ),
    );

  rightOptions(
    rights
      .command('set')
      .description('allow or deny a rights class a module or a list (administrators; audited)')
      .argument('<allow|deny>', 'the new right'),
  )
    .exitOverride()
    .action((access: string, options: RightOptions) =>
      runVerb(options.json === true, async () => {
        if (access !== 'allow' && access !== 'deny')
          throw new Error(
            `"${access}" is neither allow nor deny; write "rights set allow …" or "rights set deny …", or use "rights clear" to inherit`,
          );
        return asUser(options, async (store, actor) =>
          changeResult(
            await setProgramRight(store, actor, options.class, options.module, options.list ?? '', access === 'allow'),
          ),
        );
      }),
    );

  rightOptions(
    rights.command('clear').description('remove a right so that it inherits again (administrators; audited)'),
  )
    .exitOverride()
    .action((options: RightOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor) =>
          changeResult(await setProgramRight(store, actor, options.class, options.module, options.list ?? '', null)),
        ),
      ),
    );
}
