/**
 * The telephone system options shared by `cti listen` and `cti dial` (issue 9 §7): a Fritz!Box call monitor (with
 * TR-064 for dialling) or an Asterisk AMI, and the stderr logger of both. Secrets come from environment variables
 * named on the command line, never from an argument.
 */
import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { AsteriskAmi, AMI_PORT } from '../core/cti/asteriskAmi';
import { FRITZBOX_PORT, FritzboxCallMonitor } from '../core/cti/fritzboxCallMonitor';
import type { CtiProvider } from '../core/cti/provider';
import type { Logger } from '../core/log';
import { taggedLogger } from '../core/log';
import { count, envValue } from './output';

/** Parses `HOST[:PORT]`. */
function hostPort(defaultPort: number) {
  return (value: string): { host: string; port: number } => {
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
    const port = match?.[2] ? Number(match[2]) : defaultPort;
    if (!match?.[1] || port < 1 || port > 65535) throw new InvalidArgumentError('expected HOST or HOST:PORT');
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  };
}

/** A logger tagged `cti` that writes warnings and errors to stderr, debug and info too when `verbose`. */
export function stderrLogger(verbose: boolean): Logger {
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

/** The parsed telephone system options of `cti listen|dial` (see providerOptions). */
export interface ProviderOptions {
  fritzbox?: { host: string; port: number };
  ami?: { host: string; port: number };
  amiUser?: string;
  amiSecretEnv?: string;
  tr064User?: string;
  tr064PasswordEnv?: string;
  tr064Port?: number;
  verbose?: boolean;
}

/**
 * The telephone system named by the options, not connected yet; undefined when none is given.
 * @throws Error when --fritzbox and --ami are both given, or a user is given without its secret's variable
 */
export function makeProvider(options: ProviderOptions, log: Logger): CtiProvider | undefined {
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

/** Adds the telephone system options (--fritzbox, --ami, AMI and TR-064 credentials, --verbose) to a verb. */
export function providerOptions(command: Command): Command {
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
