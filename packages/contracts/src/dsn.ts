import { ConfigError } from "./errors.js";
import { redactDsn } from "./redact.js";

/**
 * PostgreSQL connection strings in both forms libpq documents, checked before anything connects:
 * `postgres[ql]://user:password@host:port/db?sslmode=...` and `host=... port=... dbname=... user=...`.
 * `pg` only understands the URL form (it read `host=db user=x` as a relative URL and connected to the
 * host "base"), so the key=value form is converted to a URL. A string that cannot be read one way only
 * (an unencoded `@`, `/`, `?` or `#` in a password) is refused with advice, never sent to DNS.
 */

const URL_FORM = /^postgres(?:ql)?:\/\//i;

/** Why a connection string was refused (never holds a secret). */
class DsnProblem extends Error {}

/** libpq keywords `pg` honours (plus our own parameter); others (`connect_timeout`, `service`, ...) would be silently ignored. */
const QUERY_KEYWORDS = new Set([
  "sslmode",
  "sslcert",
  "sslkey",
  "sslrootcert",
  "sslnegotiation",
  "application_name",
  "fallback_application_name",
  "options",
  "client_encoding",
  // Ours: TimescaleAdapter reads and removes it (named prepared statements on/off, for PgBouncer).
  "qts_prepared_statements",
]);
const KEYWORDS = new Set(["host", "hostaddr", "port", "dbname", "user", "password", ...QUERY_KEYWORDS]);

const ENCODE_ADVICE =
  "percent-encode special characters in the user name and password (@ as %40, / as %2F, ? as %3F, # as %23, : as %3A, % as %25)";

/** Where the `@` signs of a `scheme://...` string sit: a problem when it cannot be read one way only. */
export function urlUserInfoProblem(text: string): string | null {
  const rest = text.slice(text.indexOf("://") + 3);
  const authority = rest.split(/[/?#]/, 1)[0] ?? "";
  const atInAuthority = authority.split("@").length - 1;
  const atInRest = rest.split("@").length - 1;
  if (atInAuthority > 1) return `has more than one '@': ${ENCODE_ADVICE}`;
  if (atInRest > atInAuthority) return `has an '@' after the host: ${ENCODE_ADVICE}`;
  return null;
}

function urlProblem(text: string): string | null {
  const problem = urlUserInfoProblem(text);
  if (problem !== null) return problem;
  let url: URL;
  try {
    // `postgres://user@/db?host=/socket` has an empty host after user info, which pg accepts.
    url = new URL(text.replace("@/", "@localhost/"));
  } catch {
    return `is not a valid postgres:// URL (${ENCODE_ADVICE})`;
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    return `user name or password is not valid percent-encoding (${ENCODE_ADVICE})`;
  }
  return null;
}

/** Parses libpq `key = value` pairs (values bare or single-quoted, `\` escapes); throws `DsnProblem`. */
function parseKeyValue(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  while (true) {
    skipSpace();
    if (i >= text.length) break;
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))?.[0];
    if (key === undefined) throw new DsnProblem(`expected a keyword at character ${i + 1}`);
    i += key.length;
    skipSpace();
    if (text[i] !== "=") throw new DsnProblem(`expected "=" after "${key}"`);
    i++;
    skipSpace();
    let value = "";
    if (text[i] === "'") {
      i++;
      while (i < text.length && text[i] !== "'") {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
      if (text[i] !== "'") throw new DsnProblem(`unterminated quoted value for "${key}"`);
      i++;
    } else {
      while (i < text.length && !/\s/.test(text[i]!)) {
        if (text[i] === "\\" && i + 1 < text.length) i++;
        value += text[i++];
      }
    }
    const keyword = key.toLowerCase();
    if (!KEYWORDS.has(keyword)) {
      throw new DsnProblem(
        `has the keyword "${key}", which the pg driver does not support (supported: ${[...KEYWORDS].join(", ")})`,
      );
    }
    pairs.set(keyword, value);
  }
  if (pairs.size === 0) throw new DsnProblem("has no key=value pairs");
  return pairs;
}

/** The URL `pg` takes for libpq key=value pairs. */
function keyValueToUrl(pairs: Map<string, string>): string {
  let host = pairs.get("host") ?? "";
  const hostaddr = pairs.get("hostaddr");
  if (hostaddr !== undefined) {
    if (host !== "" && host !== hostaddr)
      throw new DsnProblem("sets both host and hostaddr, which the pg driver cannot honour: give only host");
    host = hostaddr;
  }
  if (host.includes(",")) throw new DsnProblem("lists several hosts, which the pg driver does not support");
  const port = pairs.get("port");
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new DsnProblem("has a port that is not a number");
  const dbname = pairs.get("dbname");
  if (dbname !== undefined && /[?#]/.test(dbname))
    throw new DsnProblem("has a dbname with '?' or '#', which pg cannot take");
  const query = new URLSearchParams();
  let authority = "";
  if (host.startsWith("/")) query.set("host", host);
  else if (host.includes(":")) authority = `[${host.replace(/^\[|\]$/g, "")}]`;
  else authority = encodeURIComponent(host);
  if (port !== undefined) authority += `:${port}`;
  const user = pairs.get("user");
  const password = pairs.get("password");
  if (user !== undefined || password !== undefined) {
    const info = encodeURIComponent(user ?? "") + (password ? `:${encodeURIComponent(password)}` : "");
    authority = `${info}@${authority}`;
  }
  for (const [key, value] of pairs) if (QUERY_KEYWORDS.has(key)) query.set(key, value);
  const search = query.toString();
  return `postgresql://${authority}/${encodeURI(dbname ?? "")}${search ? `?${search}` : ""}`;
}

/** Why `dsn` is not a usable PostgreSQL connection string, or null when it is. Never includes a secret. */
export function postgresDsnProblem(dsn: string): string | null {
  try {
    postgresDsnUrl(dsn);
    return null;
  } catch (error) {
    if (error instanceof DsnProblem) return error.message;
    throw error;
  }
}

function postgresDsnUrl(dsn: string): string {
  const text = String(dsn).trim();
  if (text === "") throw new DsnProblem("is empty");
  if (URL_FORM.test(text)) {
    const problem = urlProblem(text);
    if (problem !== null) throw new DsnProblem(problem);
    return text;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new DsnProblem("must be a postgres:// or postgresql:// URL or key=value pairs");
  if (!/^\s*[A-Za-z_]\w*\s*=/.test(text))
    throw new DsnProblem("must be a postgres:// URL or key=value pairs");
  return keyValueToUrl(parseKeyValue(text));
}

/**
 * The connection string `pg` takes for `dsn`: a `postgres://` URL as given, libpq key=value pairs
 * converted to one. Throws `ConfigError` (for `variable`, the value redacted) when `dsn` cannot be read
 * unambiguously, so nothing of it reaches DNS or an error message.
 */
export function postgresDsnToUrl(dsn: string, variable = "dsn"): string {
  try {
    return postgresDsnUrl(dsn);
  } catch (error) {
    if (!(error instanceof DsnProblem)) throw error;
    throw new ConfigError([{ variable, value: redactDsn(String(dsn)), reason: error.message }]);
  }
}
