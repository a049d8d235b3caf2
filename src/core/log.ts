/**
 * Logging seam of the core. The extension backs it with its one `LogOutputChannel`, the CLI with stderr,
 * tests with {@link silentLogger} or a collecting logger. Lines are tagged by component (`[store]`).
 * Never pass a secret or a full phone number at info level (DESIGN.md §3 "Logging").
 */
export interface Logger {
  trace(message: string): void;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Returns a logger that prefixes each line with `[component] `. */
export function taggedLogger(base: Logger, component: string): Logger {
  const tag = `[${component}] `;
  return {
    trace: (m) => base.trace(tag + m),
    debug: (m) => base.debug(tag + m),
    info: (m) => base.info(tag + m),
    warn: (m) => base.warn(tag + m),
    error: (m) => base.error(tag + m),
  };
}
