/**
 * `ixhaus-admin cti dial|area-code` (issue 9 §7): print the dial string of a number and place the call through the
 * telephone system, and set the own area code (Ortsvorwahl) with a rebuilt number index.
 */
import type { Command } from 'commander';
import { readCtiSettings } from '../core/cti/callerLookup';
import { setOwnAreaCode } from '../core/cti/phoneIndex';
import { canonicalAreaCode, dialString } from '../core/cti/phoneNumber';
import { IxError, msg } from '../core/errors';
import { asUser } from './adminCommands';
import { makeProvider, providerOptions, stderrLogger } from './ctiProviderOptions';
import type { ProviderOptions } from './ctiProviderOptions';
import { runVerb } from './output';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

/** Adds `cti dial`: the dial string from the store's CTI settings, placed through the PBX when one is given. */
export function addDialCommand(cti: Command): void {
  providerOptions(
    addStoreOptions(
      cti
        .command('dial')
        .description(
          'print the dial string for a number (outside-line prefix, internal numbers as is) and place the call through the PBX',
        ),
      { description: 'store file (its CTI settings; opened read-only)' },
    )
      .argument('<number>', 'the number to call')
      .option('--line <line>', 'your phone (Asterisk: e.g. PJSIP/201), rung first'),
  )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((input: string, options: ProviderOptions & StoreCliOptions & { line?: string; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        const settings = await withCliStore(options, 'read', (store) => readCtiSettings(store));
        const text = dialString(input, {
          maxInternal: settings.internalMaxDigits,
          outsidePrefix: settings.outsidePrefix,
          areaCode: settings.areaCode,
        });
        const log = stderrLogger(options.verbose === true);
        // a Fritz!Box dials only through TR-064; without it the call monitor is of no use for dialling: tel: URI
        if (options.fritzbox && !options.tr064User) {
          const uri = `tel:${text.replace(/[^\d+*#]/g, '')}`;
          return {
            json: { input, dialString: text, placed: false, uri },
            text: `${text}\nopen ${uri} to dial (give --tr064-user to dial through the Fritz!Box)\n`,
          };
        }
        const provider = makeProvider(options, log);
        if (!provider) return { json: { input, dialString: text, placed: false }, text: `${text}\n` };
        try {
          await provider.connect();
          if (provider.status() !== 'connected')
            throw new IxError(
              'E_CTI_UNREACHABLE',
              msg('The telephone system at {0} cannot be reached. Check host, port and that its interface is enabled.'),
              [options.ami?.host ?? options.fritzbox?.host ?? ''],
            );
          const outcome = await provider.dial(text, options.line);
          return {
            json: { input, dialString: text, outcome },
            text:
              outcome.kind === 'placed'
                ? `dialing ${text} from ${options.line ?? '?'} (${outcome.reference})\n`
                : `open ${outcome.uri} to dial\n`,
          };
        } finally {
          await provider.disconnect();
        }
      }),
    );
}

/** Adds `cti area-code` (administrators): set the own area code and rebuild the number index. */
export function addAreaCodeCommand(cti: Command): void {
  addStoreOptions(
    cti
      .command('area-code')
      .description(
        'set the own area code (Ortsvorwahl) for numbers written without one, and rebuild the number index (administrators)',
      ),
  )
    .requiredOption('--user <login>', 'sign in as this administrator')
    .requiredOption('--password-env <var>', 'environment variable holding the password')
    .argument('<code>', 'area code, e.g. 030; "" clears it')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((code: string, options: StoreCliOptions & { user: string; passwordEnv: string; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        canonicalAreaCode(code);
        return asUser(options, async (store, actor) => {
          const result = await setOwnAreaCode(store, actor, code);
          return {
            json: { areaCode: result.areaCode ? `0${result.areaCode}` : null, indexed: result.indexed },
            text: `own area code ${result.areaCode ? `0${result.areaCode}` : '(none)'}; ${result.indexed} numbers indexed\n`,
          };
        });
      }),
    );
}
