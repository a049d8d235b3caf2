/**
 * `ixhaus-admin cti …` (issue 9 §7): normalise a number and look a caller up in a store (here), listen to a Fritz!Box
 * or an Asterisk AMI and print each call with its matches, print the Anrufjournal (ctiListenCommands.ts), dial, and
 * set the own area code (ctiDialCommands.ts). The AMI secret comes from an environment variable (never from an
 * argument, never printed).
 */
import type { Command } from 'commander';
import { lookupCaller } from '../core/cti/callerLookup';
import { normalizePhoneNumber } from '../core/cti/phoneNumber';
import { IxError, msg } from '../core/errors';
import { addStoreOptions, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';
import { addAreaCodeCommand, addDialCommand } from './ctiDialCommands';
import { addJournalCommand, addListenCommand } from './ctiListenCommands';
import { lookupText, partyKey } from './ctiText';
import { partyRecord } from '../core/objects/objectQueries';
import { runVerb } from './output';

/** The number could not be normalised (CLI `cti normalize`). */
export class NotANumberError extends IxError {
  constructor(input: string, reason: string) {
    super('E_CTI_NUMBER', msg('Cannot normalise "{0}": {1}'), [input, reason]);
  }
}

/** Registers `cti normalize|lookup|listen|journal|dial|area-code`. */
export function registerCtiCommands(program: Command): void {
  const cti = program
    .command('cti')
    .description('telephone integration: normalise and look up numbers, listen to a PBX, dial')
    .exitOverride();

  cti
    .command('normalize')
    .description('print the E.164 form of a phone number and its extension, or why it has none')
    .argument('<number>', 'the number as written, e.g. "030 / 123 45-67"')
    .option('--area-code <code>', 'own area code for numbers without one, e.g. 030')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((input: string, options: { areaCode?: string; json?: boolean }) =>
      runVerb(options.json === true, () => {
        const result = normalizePhoneNumber(input, { areaCode: options.areaCode });
        if (result.kind === 'invalid')
          throw new NotANumberError(
            input,
            result.reason.replace(/\{(\d)\}/g, (_w, i: string) => result.args[Number(i)] ?? ''),
          );
        if (result.kind === 'suppressed')
          return Promise.resolve({
            json: { input, suppressed: true },
            text: 'Rufnummer unterdrückt (empty or anonymous caller id)\n',
          });
        if (result.kind === 'internal')
          return Promise.resolve({
            json: { input, internal: result.digits, dial: result.dial },
            text: `Fritz!Box internal number ${result.dial} (extension ${result.digits}); no area code\n`,
          });
        if (result.kind === 'special')
          return Promise.resolve({
            json: { input, special: result.digits, service: result.service },
            text: `special number ${result.digits} (${result.service}); dialled as it is, no area code\n`,
          });
        const text = [
          `${result.e164}${result.extension ? `  extension ${result.extension}` : ''}${result.serviceCode ? `  service code ${result.serviceCode}` : ''}`,
          ...result.alternatives.map(
            (a) =>
              `  also tried: ${a} (a leading 49 without + or 00 may be the country code or part of an area code 049…; both are looked up)`,
          ),
        ].join('\n');
        return Promise.resolve({
          json: {
            input,
            e164: result.e164,
            extension: result.extension ?? null,
            last8: result.last8,
            alternatives: result.alternatives,
            reading: result.reading,
            serviceCode: result.serviceCode ?? null,
          },
          text: `${text}\n`,
        });
      }),
    );

  addStoreOptions(
    cti
      .command('lookup')
      .description('look a caller up in a store: internal extension → users, else exact E.164, else last 8 digits'),
    { description: 'store file (opened read-only)' },
  )
    .argument('<number>', 'caller number as delivered by the PBX')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((input: string, options: StoreCliOptions & { json?: boolean }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store) => {
          const result = await lookupCaller(store, input);
          // not a phone number at all (letters, too short): refused like `cti normalize`, exit 1
          if (result.outcome === 'unknown' && result.reason) throw new NotANumberError(input, result.reason);
          // the address of each party found (one read per match; a lookup finds a handful)
          const addresses = new Map<string, string>();
          if (result.outcome === 'matched')
            for (const m of result.matches) {
              const address = (await partyRecord(store, m.origin, m.partyId))?.address;
              if (address) addresses.set(partyKey(m), address);
            }
          return { json: { result }, text: `${lookupText(result, addresses)}\n` };
        }),
      ),
    );

  addListenCommand(cti);
  addJournalCommand(cti);
  addDialCommand(cti);
  addAreaCodeCommand(cti);
}
