const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Replaces the password of a `postgres://user:pass@host/db` URL or a libpq `password=...` pair with `***`.
 * The URL password runs to the LAST `@`, so a password holding an unencoded `/`, `?`, `#` or `@` is hidden
 * whole even when the URL does not parse (a stray `@` later in the URL may hide more than needed: never less).
 */
export function redactDsn(dsn: string): string {
  if (!dsn) return dsn;
  const text = String(dsn);
  const kv = text.replace(/(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, "$1***");
  return kv.replace(/^(\s*[a-z][a-z0-9+.-]*:\/\/[^:@]*):[\s\S]*@/i, "$1:***@");
}

/** Replaces the password of a `redis://user:pass@host` URL with `***`. */
export const redactUrl = redactDsn;

/**
 * Freezes a config object and gives it `toString`, `toJSON` and Node's inspect hook that print a copy with
 * secrets redacted, so passwords never reach logs, errors or `String(config)`. The helpers are
 * non-enumerable: they do not show up in `Object.keys` or equality checks.
 */
export function freezeRedacted<T extends object>(
  value: T,
  redact: (v: T) => Record<string, unknown>,
): Readonly<T> {
  const safe = () => redact(value);
  Object.defineProperties(value, {
    toJSON: { value: safe, enumerable: false },
    toString: { value: () => JSON.stringify(safe()), enumerable: false },
    [INSPECT]: { value: () => safe(), enumerable: false },
  });
  return Object.freeze(value);
}
