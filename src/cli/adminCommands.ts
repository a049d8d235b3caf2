/**
 * `ixhaus-admin settings …` and `ixhaus-admin users …` (settings/users issue §9): the same core and the same rights
 * as the extension; changing verbs sign in with `--user` and the password from `--password-env`.
 */
import type { Command } from 'commander';
import { buildSearchIndex, searchSettings } from '../core/settings/catalog';
import {
  displayValue,
  listSettingStates,
  requireSetting,
  resetSetting,
  setSetting,
  settingState,
} from '../core/settings/settingsService';
import type { SettingChange, SettingState } from '../core/settings/settingsService';
import type { AsyncStore } from '../core/store/asyncStore';
import { signIn } from '../core/users/auth';
import { addStoreOptions, withCliStore } from './writableStore';
import type { CliStoreMode, StoreCliOptions } from './writableStore';
import type { Actor } from '../core/access/rights';
import { listUsers } from '../core/users/userQueries';
import { requireUser, unlockModuleFor } from '../core/users/userService';
import { setUserPassword } from '../core/users/setPassword';
import { lockModule } from '../core/license/licenseService';
import { runVerb, envValue } from './output';
import type { VerbResult } from './output';

export interface StoreOptions extends StoreCliOptions {
  json?: boolean;
  lang?: 'de' | 'en';
}

export interface SignInOptions extends StoreOptions {
  user: string;
  passwordEnv: string;
}

/** Opens the store read-only, runs `body`, closes. */
function reading<T>(options: StoreCliOptions, body: (store: AsyncStore) => Promise<T>): Promise<T> {
  return withCliStore(options, 'read', body);
}

/**
 * Opens the store (default: for writing, {@link CliStoreMode}), signs in (`--user`, password from `--password-env`),
 * runs `body` and closes; each change of `body` is saved by its own transaction. Shared by the store-changing verbs.
 */
export function asUser<T>(
  options: SignInOptions,
  body: (store: AsyncStore, actor: Actor) => Promise<T>,
  mode: CliStoreMode = 'write',
): Promise<T> {
  const password = envValue(options.passwordEnv);
  return withCliStore(options, mode, async (store) =>
    body(store, await signIn(store, options.user, password, { channel: 'cli' })),
  );
}

function stateJson(s: SettingState): object {
  const d = s.definition;
  return {
    systemId: d.systemId,
    area: d.area,
    section: d.section,
    name: d.name,
    value: s.value,
    default: d.default,
    changed: s.changed,
    type: d.type,
    scope: d.scope,
    vendorOnly: d.vendorOnly,
    restartRequired: d.restartRequired,
    short: d.short,
  };
}

function stateLine(s: SettingState, lang: 'de' | 'en'): string {
  const d = s.definition;
  return `${d.systemId.padEnd(12)} ${`${d.area} › ${d.section} › ${d.name}`.padEnd(72)} = ${displayValue(d, s.value, lang)}${s.changed ? ' *' : ''}${d.vendorOnly ? ' (protected)' : ''}`;
}

function listResult(states: SettingState[], lang: 'de' | 'en'): VerbResult {
  return {
    json: { settings: states.map(stateJson) },
    text: `${states.map((s) => stateLine(s, lang)).join('\n')}\n${states.length} ${states.length === 1 ? 'setting' : 'settings'} (* = changed from the default)\n`,
  };
}

function changeResult(change: SettingChange): VerbResult {
  const d = change.definition;
  const text = change.changed
    ? `${d.name}: ${change.oldValue} → ${change.newValue}${change.restartRequired ? '\nrestart iX-Haus plus so that it takes effect' : ''}\n`
    : `${d.name} already has the value ${change.newValue}\n`;
  return {
    json: {
      systemId: d.systemId,
      name: d.name,
      oldValue: change.oldValue,
      newValue: change.newValue,
      changed: change.changed,
      restartRequired: change.restartRequired,
    },
    text,
  };
}

function storeOption(command: Command): Command {
  return addStoreOptions(command).option('--json', 'print the result as JSON');
}

export function signInOptions(command: Command): Command {
  return storeOption(command)
    .requiredOption('--user <login>', 'iX-Haus login to act as')
    .requiredOption('--password-env <var>', 'name of the environment variable holding the password');
}

function langOf(options: StoreOptions): 'de' | 'en' {
  return options.lang === 'en' ? 'en' : 'de';
}

/** Adds the `settings` and `users` verbs. */
export function registerAdminCommands(program: Command): void {
  const settings = program
    .command('settings')
    .description('list, search, read and change system settings')
    .exitOverride();

  storeOption(
    settings
      .command('list')
      .description('all settings with their values')
      .option('--changed', 'only values changed from the default')
      .option('--lang <de|en>', 'language of texts', 'de'),
  )
    .exitOverride()
    .action((options: StoreOptions & { changed?: boolean }) =>
      runVerb(options.json === true, () =>
        reading(options, async (store) =>
          listResult(
            (await listSettingStates(store)).filter((s) => !options.changed || s.changed),
            langOf(options),
          ),
        ),
      ),
    );

  storeOption(
    settings
      .command('search')
      .description('full text over Bereich, Abschnitt, System-ID, Name and short description (Zaehler finds Zähler)')
      .argument('<words...>', 'search words (all must match)')
      .option('--lang <de|en>', 'language of the short descriptions searched', 'de'),
  )
    .exitOverride()
    .action((words: string[], options: StoreOptions) =>
      runVerb(options.json === true, () =>
        reading(options, async (store) =>
          listResult(
            await listSettingStates(
              store,
              undefined,
              searchSettings(buildSearchIndex(langOf(options)), words.join(' ')),
            ),
            langOf(options),
          ),
        ),
      ),
    );

  storeOption(
    settings
      .command('get')
      .description('one setting with its descriptions')
      .argument('<name>', 'Name, System-ID or Bereich/Abschnitt/Name')
      .option('--lang <de|en>', 'language of texts', 'de'),
  )
    .exitOverride()
    .action((name: string, options: StoreOptions) =>
      runVerb(options.json === true, () =>
        reading(options, async (store): Promise<VerbResult> => {
          const state = await settingState(store, requireSetting(name));
          const d = state.definition;
          const lang = langOf(options);
          return {
            json: stateJson(state),
            text: `${stateLine(state, lang)}\n  ${d.short[lang]}\n  ${d.long[lang]}\n  default ${displayValue(d, d.default, lang)}${d.restartRequired ? ', restart required' : ''}\n`,
          };
        }),
      ),
    );

  signInOptions(
    settings
      .command('set')
      .description('change a setting (administrators; user settings only for oneself)')
      .argument('<name>', 'Name, System-ID or Bereich/Abschnitt/Name')
      .argument('<value>', 'new value'),
  )
    .exitOverride()
    .action((name: string, value: string, options: SignInOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor) => changeResult(await setSetting(store, actor, name, value))),
      ),
    );

  signInOptions(
    settings
      .command('reset')
      .description('reset a setting to its default')
      .argument('<name>', 'Name, System-ID or Bereich/Abschnitt/Name'),
  )
    .exitOverride()
    .action((name: string, options: SignInOptions) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor) => changeResult(await resetSetting(store, actor, name))),
      ),
    );

  const users = program.command('users').description('users and their module unlocks').exitOverride();

  storeOption(users.command('list').description('all users with role, rights class, state and unlocked modules'))
    .exitOverride()
    .action((options: StoreOptions) =>
      runVerb(options.json === true, () =>
        reading(options, async (store): Promise<VerbResult> => {
          const list = await listUsers(store);
          const text = list
            .map(
              (u) =>
                `${u.login.padEnd(9)} ${`${u.firstName} ${u.lastName}`.padEnd(32)} ${u.role.padEnd(15)} ${u.rightsClass} ${u.active ? 'active  ' : 'inactive'} ${u.coupled ? 'coupled  ' : 'uncoupled'} ${(u.extension ? `ext ${u.extension}` : '').padEnd(8)} ${u.modules.join(',')}`,
            )
            .join('\n');
          return { json: { users: list }, text: `${text}\n` };
        }),
      ),
    );

  signInOptions(
    users
      .command('set-password')
      .description(
        "set a user's password for this suite (administrators; e.g. for users created by import, who have none)",
      )
      .argument('<login>', 'the user')
      .requiredOption(
        '--new-password-env <VAR>',
        'environment variable holding the new password (at least 8 characters)',
      ),
  )
    .exitOverride()
    .action((login: string, options: SignInOptions & { newPasswordEnv: string }) =>
      runVerb(options.json === true, () =>
        asUser(options, async (store, actor): Promise<VerbResult> => {
          const result = await setUserPassword(
            store,
            actor,
            login,
            envValue(options.newPasswordEnv, '--new-password-env'),
          );
          return {
            json: { login: result.login, passwordSet: true, hadNoPassword: result.hadNoPassword },
            text: `Password set for ${result.login}${result.hadNoPassword ? ' (the user had none and can sign in now)' : ''}\n`,
          };
        }),
      ),
    );

  for (const verb of ['unlock', 'lock'] as const) {
    signInOptions(
      users
        .command(verb)
        .description(
          verb === 'unlock'
            ? 'unlock a module for a user (within the licensed seats)'
            : 'lock a module for a user (frees a seat)',
        )
        .argument('<login>', 'the user')
        .requiredOption('--module <code>', 'module code, e.g. KOMFORT'),
    )
      .exitOverride()
      .action((login: string, options: SignInOptions & { module: string }) =>
        runVerb(options.json === true, () =>
          asUser(options, async (store, actor): Promise<VerbResult> => {
            const code = options.module.toUpperCase();
            if (verb === 'unlock') {
              const { coupled } = await unlockModuleFor(store, actor, login, code);
              return {
                json: { login, module: code, unlocked: true, coupled },
                text: `${code} unlocked for ${login}${coupled ? ' (now coupled with iX-Haus plus)' : ''}\n`,
              };
            }
            await lockModule(store, actor, (await requireUser(store, login)).id, code);
            return { json: { login, module: code, unlocked: false }, text: `${code} locked for ${login}\n` };
          }),
        ),
      );
  }
}
