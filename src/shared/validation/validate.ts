/**
 * A small validator library for messages crossing the host ↔ webview boundary (DESIGN.md §3 "Webview protocol").
 * The host validates every incoming message with these before it acts; the webview may run the same validators on
 * its form. No `any`: a validator takes `unknown` and returns the typed value or throws {@link ValidationError}.
 * No vscode, no DOM (src/shared runs on both sides).
 */

/** A value did not have the expected shape. `path` names where (`params.modules[2]`). */
export class ValidationError extends Error {
  readonly path: string;
  constructor(path: string, expected: string) {
    super(`${path || 'message'}: expected ${expected}`);
    this.name = 'ValidationError';
    this.path = path;
  }
}

/** Checks `value` (found at `path`) and returns it typed. @throws ValidationError */
export type Validator<T> = (value: unknown, path?: string) => T;

/** The type a validator returns. */
export type Infer<V> = V extends Validator<infer T> ? T : never;

/** A string of at most `max` characters (default 1,000). */
export function str(max = 1000): Validator<string> {
  return (value, path = '') => {
    if (typeof value !== 'string' || value.length > max)
      throw new ValidationError(path, `a string of at most ${max} characters`);
    return value;
  };
}

/** A whole number within [min, max]. */
export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Validator<number> {
  return (value, path = '') => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
      throw new ValidationError(path, `a whole number from ${min} to ${max}`);
    return value;
  };
}

/** `true` or `false` (no truthy strings). */
export function bool(): Validator<boolean> {
  return (value, path = '') => {
    if (typeof value !== 'boolean') throw new ValidationError(path, 'true or false');
    return value;
  };
}

/** One of the given string literals. */
export function oneOf<const T extends string>(values: readonly T[]): Validator<T> {
  return (value, path = '') => {
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value))
      throw new ValidationError(path, `one of ${values.join(', ')}`);
    return value as T;
  };
}

/** An array of at most `max` items (default 10,000), each checked by `item`. */
export function arrayOf<T>(item: Validator<T>, max = 10_000): Validator<T[]> {
  return (value, path = '') => {
    if (!Array.isArray(value) || value.length > max) throw new ValidationError(path, `a list of at most ${max} items`);
    return value.map((v: unknown, i) => item(v, `${path}[${i}]`));
  };
}

/** undefined or a value checked by `inner`. */
export function optional<T>(inner: Validator<T>): Validator<T | undefined> {
  return (value, path = '') => (value === undefined ? undefined : inner(value, path));
}

type OptionalKeys<S> = { [K in keyof S]: undefined extends Infer<S[K]> ? K : never }[keyof S];
type Flatten<T> = { [K in keyof T]: T[K] };
/** The object type a shape validates: keys whose validator accepts undefined become optional. */
export type ObjectOf<S> = Flatten<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> }
>;

const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/**
 * A plain object with exactly the given keys checked (unknown keys are refused, so typos surface). Strict against
 * hostile shapes (issue 15): only plain objects (prototype Object.prototype or null — no class instances, no
 * objects inheriting fields), only own keys of the shape count (so `__proto__`, `constructor`, `toString` are
 * refused by name as "no such field"), and inherited values are never read.
 */
export function object<S extends Record<string, Validator<unknown>>>(shape: S): Validator<ObjectOf<S>> {
  return (value, path = '') => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new ValidationError(path, 'an object');
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) throw new ValidationError(path, 'a plain object');
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!hasOwn(shape, key)) throw new ValidationError(path ? `${path}.${key}` : key, 'no such field');
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const checked = check(hasOwn(record, key) ? record[key] : undefined, path ? `${path}.${key}` : key);
      if (checked !== undefined) out[key] = checked;
    }
    return out as ObjectOf<S>;
  };
}
