/**
 * The argument parsers of `ixhaus-admin serve` (commander argParsers; each throws InvalidArgumentError with what it
 * expects) and its clock.
 */
import { InvalidArgumentError } from 'commander';
import type { ServeOptions } from './serveCommand';

/** Parses `--webhook KIND=VAR` (repeatable). */
export function webhookSpec(value: string, previous: string[] = []): string[] {
  const match = /^(teams|json)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (!match)
    throw new InvalidArgumentError(
      `expected teams=VARIABLE or json=VARIABLE (the URL is read from that environment variable), not "${value}"`,
    );
  return [...previous, value];
}

export function monitorName(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9@._:-]{0,99}$/.test(value))
    throw new InvalidArgumentError('expected 1–100 letters, digits or @ . _ : - (e.g. serve@ixsrv01 or nachts)');
  return value;
}

export function minutes(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1440)
    throw new InvalidArgumentError('expected whole minutes from 1 to 1440');
  return Number(value);
}

export function downMinutes(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 1440) throw new InvalidArgumentError('expected 0 to 1440 minutes');
  return Number(value);
}

/** The clock of the monitor: `--now` (tests) or the real time. @throws Error for a `--now` that is not a time */
export function nowFrom(options: ServeOptions): () => Date {
  if (options.now === undefined) return () => new Date();
  const fixed = new Date(options.now);
  if (Number.isNaN(fixed.getTime())) throw new Error(`--now ${options.now} is not an ISO date/time`);
  return () => fixed;
}
