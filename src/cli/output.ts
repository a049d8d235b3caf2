import { InvalidArgumentError } from 'commander';
import { IxError } from '../core/errors';
import { StoreError } from '../core/store/errors';
import { shellQuote } from './shellQuote';

/** Exit code of a refused or failed verb. */
export const EXIT_FAILED = 1;
/** Exit code of a usage error (unknown verb or option, bad number). */
export const EXIT_USAGE = 2;

/** What a verb returns: its result as a JSON object (printed with `ok: true` under --json) and as text. */
export interface VerbResult {
  readonly json: object;
  readonly text: string;
}

/** Parses a whole number ≥ 0 (commander argParser). */
export function count(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return Number(value);
}

/** Collects a repeatable option into a list (commander argParser). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The value of an environment variable named on the command line (secrets never go into argv).
 * @throws Error naming the variable (and the option that named it) when it is not set
 */
export function envValue(name: string, option?: string): string {
  const value = process.env[name];
  if (value === undefined)
    throw new Error(`the environment variable ${name}${option ? ` (${option})` : ''} is not set`);
  return value;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function formatMb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(2)} MB`;
}

/** Prints a failure (text on stderr, and a JSON document on stdout with --json) and sets exit code 1. */
export function fail(error: unknown, json: boolean): void {
  const code = error instanceof IxError ? error.code : 'E_UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  const backupFile = error instanceof StoreError ? error.backupFile : undefined;
  const file = error instanceof StoreError ? error.file : undefined;
  if (json) printJson({ ok: false, code, message, file, backupFile });
  process.stderr.write(`ixhaus-admin: ${message}\n`);
  if (backupFile) {
    process.stderr.write(
      `A valid backup copy exists: ${backupFile}\nRestore it (the damaged file is kept aside) with: ixhaus-admin store restore ${shellQuote(file ?? '')}\n`,
    );
  }
  process.exitCode = EXIT_FAILED;
}

/** Runs a verb body and prints its result as JSON or text; a thrown error goes to {@link fail} (exit 1). */
export async function runVerb(json: boolean, body: () => Promise<VerbResult>): Promise<void> {
  try {
    const result = await body();
    if (json) printJson({ ok: true, ...result.json });
    else process.stdout.write(result.text);
  } catch (error) {
    fail(error, json);
  }
}

/** An ISO-8601 instant as local time of this machine with its UTC offset: `2026-12-03 11:15:00 +01:00`. */
export function localTimeText(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number): string => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}
