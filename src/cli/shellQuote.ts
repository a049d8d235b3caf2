/**
 * Values in the "run this" hints the CLI prints (Undo with: …, Restore it with: …), quoted for a POSIX shell so
 * that a pasted hint runs as shown: a store URL like `postgres://…?sslmode=verify-full&sslrootcert=/etc/ca.pem`
 * holds `&`, which an unquoted shell line would take as "run in the background".
 */
import type { StoreCliOptions } from './writableStore';

/** Characters a POSIX shell (sh, bash, zsh) takes literally in an unquoted word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `value` as one word of a POSIX shell command line: unchanged when every character is literal, else in single
 * quotes (an embedded `'` written as `'\''`, POSIX.1-2017 Shell Command Language §2.2.2). The empty string is `''`.
 */
export function shellQuote(value: string): string {
  if (SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, "'\\''")}'`;
}

/**
 * The store options of a hint, as the user gave them: `--system NAME [--systems-file F]` when the verb ran on a
 * named system, else `--store S`; then `--store-password-env V` / `--store-ca F` when given. Each value quoted.
 */
export function storeHintArgs(options: Partial<StoreCliOptions>): string {
  const parts =
    options.system !== undefined
      ? [
          `--system ${shellQuote(options.system)}`,
          ...(options.systemsFile !== undefined ? [`--systems-file ${shellQuote(options.systemsFile)}`] : []),
        ]
      : [`--store ${options.store !== undefined ? shellQuote(options.store) : 'S'}`];
  if (options.storePasswordEnv !== undefined)
    parts.push(`--store-password-env ${shellQuote(options.storePasswordEnv)}`);
  if (options.storeCa !== undefined) parts.push(`--store-ca ${shellQuote(options.storeCa)}`);
  return parts.join(' ');
}
