/**
 * `ixhaus-admin cti …` (issue 9 §7): normalise a number, look a caller up in a store, listen to a Fritz!Box or an
 * Asterisk AMI and print each call with its matches, dial, and set the own area code. The AMI secret comes from an
 * environment variable (never from an argument, never printed).
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { AmiError, AsteriskAmi, AMI_PORT } from '../core/cti/asteriskAmi';
import type { LookupResult } from '../core/cti/callerLookup';
import { lookupCaller, readCtiSettings } from '../core/cti/callerLookup';
import { CtiSession, DEFAULT_BLOCKED_CALL_MS, listJournal } from '../core/cti/ctiSession';
import type { CallAlert, FinishedCall, JournalEntry } from '../core/cti/ctiSession';
import { FRITZBOX_PORT, FritzboxCallMonitor } from '../core/cti/fritzboxCallMonitor';
import { setOwnAreaCode } from '../core/cti/phoneIndex';
import { canonicalAreaCode, dialString, normalizePhoneNumber } from '../core/cti/phoneNumber';
import type { CtiProvider } from '../core/cti/provider';
import { IxError, msg } from '../core/errors';
import type { Logger } from '../core/log';
import { taggedLogger } from '../core/log';
import { Store } from '../core/store/database';
import { requireUser } from '../core/users/userService';
import { asUser } from './adminCommands';
import { count, fail, runVerb, envValue } from './output';

/** The number could not be normalised (CLI `cti normalize`). */
export class NotANumberError extends IxError {
  constructor(input: string, reason: string) {
    super('E_CTI_NUMBER', msg('Cannot normalise "{0}": {1}'), [input, reason]);
  }
}

/** Parses `HOST[:PORT]`. */
function hostPort(defaultPort: number) {
  return (value: string): { host: string; port: number } => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
    const port = match?.[2] ? Number(match[2]) : defaultPort;
    if (!match?.[1] || port < 1 || port > 65535) throw new InvalidArgumentError('expected HOST or HOST:PORT');
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  };
}

function stderrLogger(verbose: boolean): Logger {
  const write =
    (level: string) =>
    (m: string): void =>
      void process.stderr.write(`${level} ${m}\n`);
  const off = (): void => undefined;
  return taggedLogger(
    {
      trace: off,
      debug: verbose ? write('debug') : off,
      info: verbose ? write('info') : off,
      warn: write('warn'),
      error: write('error'),
    },
    'cti',
  );
}

/** Text lines for a lookup result. */
export function lookupText(result: LookupResult): string {
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
        ...result.matches.map(
          (m) =>
            `  ${m.origin.padEnd(8)} ${String(m.partyNo).padStart(7)}  ${m.name}  [${m.field}: ${m.raw}]${m.via === 'exact' ? '' : ` (${m.via})`}${result.picked === m ? ' ← picked' : ''}`,
        ),
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

function journalJson(e: JournalEntry): Record<string, unknown> {
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

function journalText(e: JournalEntry): string {
  const j = journalJson(e);
  const where = [e.line, e.extension && `ext ${e.extension}`, e.ownNumber && `own ${e.ownNumber}`]
    .filter(Boolean)
    .join(', ');
  return `${e.startedAt}  ${e.direction === 'in' ? '←' : '→'} ${e.remoteNumber ?? '(unterdrückt)'}${e.matchName ? ` ${e.matchName}` : ''}  ${String(j.outcome ?? e.state)}${e.durationSeconds !== null ? ` ${e.durationSeconds} s` : ''}${e.open ? ' (to call back)' : ''}${where ? `  [${where}]` : ''}${e.note ? `  „${e.note}“` : ''}`;
}

interface ProviderOptions {
  fritzbox?: { host: string; port: number };
  ami?: { host: string; port: number };
  amiUser?: string;
  amiSecretEnv?: string;
  tr064User?: string;
  tr064PasswordEnv?: string;
  tr064Port?: number;
  verbose?: boolean;
}

function makeProvider(options: ProviderOptions, log: Logger): CtiProvider | undefined {
  if (options.fritzbox && options.ami)
    throw new Error('--fritzbox and --ami exclude each other: choose one telephone system');
  if (options.fritzbox) {
    let tr064: { port?: number; username: string; password: string } | undefined;
    if (options.tr064User) {
      const password = process.env[options.tr064PasswordEnv ?? ''];
      if (password === undefined)
        throw new Error(
          '--tr064-user needs --tr064-password-env VAR with the Fritz!Box password in that environment variable',
        );
      tr064 = { port: options.tr064Port, username: options.tr064User, password };
    }
    return new FritzboxCallMonitor({ ...options.fritzbox, log, tr064 });
  }
  if (options.ami) {
    if (!options.amiUser || !options.amiSecretEnv)
      throw new Error(
        '--ami needs --ami-user USER and --ami-secret-env VAR (the AMI secret in that environment variable)',
      );
    const secret = envValue(options.amiSecretEnv);
    return new AsteriskAmi({ ...options.ami, username: options.amiUser, secret, log });
  }
  return undefined;
}

function providerOptions(command: Command): Command {
  return command
    .option(
      '--fritzbox <host[:port]>',
      `Fritz!Box call monitor (default port ${FRITZBOX_PORT})`,
      hostPort(FRITZBOX_PORT),
    )
    .option('--ami <host:port>', `Asterisk Manager Interface (default port ${AMI_PORT})`, hostPort(AMI_PORT))
    .option('--ami-user <user>', 'AMI user (manager.conf)')
    .option('--ami-secret-env <var>', 'environment variable holding the AMI secret')
    .option('--tr064-user <user>', 'Fritz!Box user for dialling through TR-064 (else dial prints a tel: URI)')
    .option('--tr064-password-env <var>', "environment variable holding that user's password")
    .addOption(new Option('--tr064-port <port>', 'TR-064 port (default 49000)').argParser(count))
    .option('--verbose', 'log connection details to stderr');
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

  cti
    .command('lookup')
    .description('look a caller up in a store: internal extension → users, else exact E.164, else last 8 digits')
    .requiredOption('--store <file>', 'store file (opened read-only)')
    .argument('<number>', 'caller number as delivered by the PBX')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((input: string, options: { store: string; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        const store = await Store.open(options.store, { readOnly: true });
        try {
          const result = lookupCaller(store, input);
          // not a phone number at all (letters, too short): refused like `cti normalize`, exit 1
          if (result.outcome === 'unknown' && result.reason) throw new NotANumberError(input, result.reason);
          return { json: { result }, text: `${lookupText(result)}\n` };
        } finally {
          await store.close();
        }
      }),
    );

  providerOptions(
    cti
      .command('listen')
      .description(
        'connect to a Fritz!Box or Asterisk, print each incoming call with its matches and each finished call with its times and outcome (Ctrl+C ends)',
      )
      .requiredOption('--store <file>', 'store file (opened read-only)')
      .option('--line <line>', 'only calls on this line or extension (e.g. SIP0, 10, PJSIP/201)')
      .addOption(new Option('--count <n>', 'stop after this many finished calls').argParser(count))
      .addOption(
        new Option(
          '--blocked-ms <ms>',
          `an unanswered call ending within this many ms is blocked: not announced, not missed (default ${DEFAULT_BLOCKED_CALL_MS}; 0 = off)`,
        ).argParser(count),
      ),
  )
    .option(
      '--json',
      'print one JSON object per line for each finished call: direction, outcome, startedAt, answeredAt, endedAt, durationSeconds, ownNumber, line, extension, remote',
    )
    .exitOverride()
    .action(
      async (
        options: ProviderOptions & { store: string; line?: string; count?: number; blockedMs?: number; json?: boolean },
      ) => {
        const json = options.json === true;
        try {
          const log = stderrLogger(options.verbose === true);
          const provider = makeProvider(options, log);
          if (!provider)
            throw new Error(
              'give the telephone system: --fritzbox HOST[:PORT] or --ami HOST:PORT --ami-user U --ami-secret-env V',
            );
          const store = await Store.open(options.store, { readOnly: true });
          const session = new CtiSession(store, provider, {
            log,
            line: options.line,
            journal: false,
            blockedCallMs: options.blockedMs,
          });
          let seen = 0;
          await new Promise<void>((resolve, reject) => {
            session.onAlert((alert: CallAlert) => {
              if (!json)
                process.stdout.write(
                  `${alert.event.at.toISOString()} ${alert.kind === 'new' ? 'eingehender Anruf' : 'Anrufer aktualisiert'} on ${alert.event.line ?? '?'} from ${alert.event.remote || '(unterdrückt)'}\n${lookupText(alert.lookup)}\n`,
                );
            });
            session.onFinished((call: FinishedCall) => {
              if (json) process.stdout.write(`${JSON.stringify(call)}\n`);
              else process.stdout.write(`${finishedText(call)}\n`);
              seen++;
              if (options.count !== undefined && seen >= options.count) resolve();
            });
            process.once('SIGINT', () => resolve());
            provider.connect().then(
              () => {
                if (provider.status() !== 'connected') log.warn('not connected yet — retrying in the background');
                else log.info('listening');
              },
              (error: unknown) => {
                // Asterisk answered and refused the login: no retry helps. A peer that is silent, half-greets or
                // resets: say so now (not after minutes of silence) and keep retrying with the growing backoff.
                if (error instanceof AmiError) reject(error);
                else log.warn(`${error instanceof Error ? error.message : String(error)} — retrying in the background`);
              },
            );
          }).finally(async () => {
            session.stop();
            await provider.disconnect();
            await store.close();
          });
        } catch (error) {
          fail(error, json);
        }
      },
    );

  cti
    .command('journal')
    .description(
      "print the Anrufjournal: per call the telephone system's times, duration, direction, outcome, own number, line, extension, caller and note",
    )
    .requiredOption('--store <file>', 'store file (opened read-only)')
    .option('--user <login>', 'only the calls of this user')
    .addOption(new Option('--limit <n>', 'newest calls to print (default 200)').argParser(count))
    .option('--json', 'print the calls as a JSON array')
    .exitOverride()
    .action((options: { store: string; user?: string; limit?: number; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        const store = await Store.open(options.store, { readOnly: true });
        try {
          const userId = options.user === undefined ? undefined : requireUser(store, options.user).id;
          const entries = listJournal(store, { userId, limit: options.limit ?? 200 });
          const calls = entries.map(journalJson);
          const text =
            entries.length === 0 ? 'no calls in the Anrufjournal\n' : `${entries.map(journalText).join('\n')}\n`;
          return { json: { calls }, text };
        } finally {
          await store.close();
        }
      }),
    );

  providerOptions(
    cti
      .command('dial')
      .description(
        'print the dial string for a number (outside-line prefix, internal numbers as is) and place the call through the PBX',
      )
      .requiredOption('--store <file>', 'store file (its CTI settings; opened read-only)')
      .argument('<number>', 'the number to call')
      .option('--line <line>', 'your phone (Asterisk: e.g. PJSIP/201), rung first'),
  )
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((input: string, options: ProviderOptions & { store: string; line?: string; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        const store = await Store.open(options.store, { readOnly: true });
        let text: string;
        try {
          const settings = readCtiSettings(store);
          text = dialString(input, {
            maxInternal: settings.internalMaxDigits,
            outsidePrefix: settings.outsidePrefix,
            areaCode: settings.areaCode,
          });
        } finally {
          await store.close();
        }
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

  cti
    .command('area-code')
    .description(
      'set the own area code (Ortsvorwahl) for numbers written without one, and rebuild the number index (administrators)',
    )
    .requiredOption('--store <file>', 'store file')
    .requiredOption('--user <login>', 'sign in as this administrator')
    .requiredOption('--password-env <var>', 'environment variable holding the password')
    .argument('<code>', 'area code, e.g. 030; "" clears it')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .action((code: string, options: { store: string; user: string; passwordEnv: string; json?: boolean }) =>
      runVerb(options.json === true, async () => {
        canonicalAreaCode(code);
        return asUser(options, (store, actor) => {
          const result = setOwnAreaCode(store, actor, code);
          return {
            json: { areaCode: result.areaCode ? `0${result.areaCode}` : null, indexed: result.indexed },
            text: `own area code ${result.areaCode ? `0${result.areaCode}` : '(none)'}; ${result.indexed} numbers indexed\n`,
          };
        });
      }),
    );
}
