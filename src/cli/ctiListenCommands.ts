/**
 * `ixhaus-admin cti listen|journal` (issue 9 §7): print each call of a Fritz!Box or an Asterisk AMI with its matches
 * as it happens, and print the Anrufjournal of a store.
 */
import { Option } from 'commander';
import type { Command } from 'commander';
import { AmiError } from '../core/cti/asteriskAmi';
import { listJournal } from '../core/cti/callJournal';
import { DEFAULT_BLOCKED_CALL_MS } from '../core/cti/callOutcome';
import type { FinishedCall } from '../core/cti/callOutcome';
import { CtiSession } from '../core/cti/ctiSession';
import type { CallAlert } from '../core/cti/ctiSession';
import { requireUser } from '../core/users/userService';
import { makeProvider, providerOptions, stderrLogger } from './ctiProviderOptions';
import type { ProviderOptions } from './ctiProviderOptions';
import { finishedText, journalJson, journalText, lookupText } from './ctiText';
import { count, fail, runVerb } from './output';
import { addStoreOptions, openCliStore, withCliStore } from './writableStore';
import type { StoreCliOptions } from './writableStore';

/** Adds `cti listen`: connect to the telephone system and print calls until --count finished calls or Ctrl+C. */
export function addListenCommand(cti: Command): void {
  providerOptions(
    addStoreOptions(
      cti
        .command('listen')
        .description(
          'connect to a Fritz!Box or Asterisk, print each incoming call with its matches and each finished call with its times and outcome (Ctrl+C ends)',
        ),
      { description: 'store file (opened read-only)' },
    )
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
        options: ProviderOptions &
          StoreCliOptions & { line?: string; count?: number; blockedMs?: number; json?: boolean },
      ) => {
        const json = options.json === true;
        try {
          const log = stderrLogger(options.verbose === true);
          const provider = makeProvider(options, log);
          if (!provider)
            throw new Error(
              'give the telephone system: --fritzbox HOST[:PORT] or --ami HOST:PORT --ami-user U --ami-secret-env V',
            );
          const { store } = await openCliStore(options, 'read');
          let session: CtiSession;
          try {
            session = await CtiSession.create(store, provider, {
              log,
              line: options.line,
              journal: false,
              blockedCallMs: options.blockedMs,
            });
          } catch (error) {
            await store.close();
            throw error;
          }
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
            await session.stop();
            await provider.disconnect();
            await store.close();
          });
        } catch (error) {
          fail(error, json);
        }
      },
    );
}

/** Adds `cti journal`: print the Anrufjournal of a store, newest first, optionally of one user. */
export function addJournalCommand(cti: Command): void {
  addStoreOptions(
    cti
      .command('journal')
      .description(
        "print the Anrufjournal: per call the telephone system's times, duration, direction, outcome, own number, line, extension, caller and note",
      ),
    { description: 'store file (opened read-only)' },
  )
    .option('--user <login>', 'only the calls of this user')
    .addOption(new Option('--limit <n>', 'newest calls to print (default 200)').argParser(count))
    .option('--json', 'print the calls as a JSON array')
    .exitOverride()
    .action((options: StoreCliOptions & { user?: string; limit?: number; json?: boolean }) =>
      runVerb(options.json === true, () =>
        withCliStore(options, 'read', async (store) => {
          const userId = options.user === undefined ? undefined : (await requireUser(store, options.user)).id;
          const entries = await listJournal(store, { userId, limit: options.limit ?? 200 });
          const calls = entries.map(journalJson);
          const text =
            entries.length === 0 ? 'no calls in the Anrufjournal\n' : `${entries.map(journalText).join('\n')}\n`;
          return { json: { calls }, text };
        }),
      ),
    );
}
