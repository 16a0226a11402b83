import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  type CacheConfig,
  ConfigError,
  cacheConfig,
  cacheConfigFromEnv,
  cacheConfigFromUrl,
  DEFAULT_CACHE_CONFIG,
} from "../src/index.js";

/** A password with the characters that break naive URL redaction; no part of it may leak. */
const SECRET = "s3cr3t-P@ss/w#rd?";
const SECRET_MARK = "s3cr3t";

/** Every string form a config or an error can take: none may show (any part of) the secret. */
function expectNoSecret(value: unknown, secret = SECRET_MARK): void {
  const forms = [
    String(value),
    `${value}`,
    JSON.stringify(value),
    JSON.stringify({ nested: value }),
    inspect(value),
    inspect(value, { depth: 10, showHidden: true }),
    inspect({ nested: value }),
  ];
  if (value instanceof Error) forms.push(value.message, value.stack ?? "");
  for (const form of forms) expect(form).not.toContain(secret);
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

const DEFAULTS: Omit<CacheConfig, never> = {
  host: "localhost",
  port: 6379,
  db: 0,
  username: "",
  password: "",
  tls: false,
  maxConnections: 50,
  socketTimeoutMs: 100,
  socketConnectTimeoutMs: 500,
  circuitBreakerThreshold: 5,
  circuitBreakerRecoveryMs: 60_000,
};

describe("cacheConfig", () => {
  it("has the defaults of SPEC.md", () => {
    expect({ ...cacheConfig() }).toEqual(DEFAULTS);
    expect({ ...DEFAULT_CACHE_CONFIG }).toEqual(DEFAULTS);
    expect(Object.isFrozen(cacheConfig())).toBe(true);
    expect(Object.keys(cacheConfig())).toEqual(Object.keys(DEFAULTS));
  });

  it("merges given fields, ignoring undefined", () => {
    const c = cacheConfig({ host: "redis.internal", port: 6380, socketTimeoutMs: undefined });
    expect(c.host).toBe("redis.internal");
    expect(c.port).toBe(6380);
    expect(c.socketTimeoutMs).toBe(100);
  });

  it("reports every bad field at once", () => {
    const error = configError(() =>
      cacheConfig({
        port: 0,
        db: -1,
        maxConnections: 1.5,
        host: " ",
        tls: "yes" as never,
        password: 5 as never,
      }),
    );
    expect(error.code).toBe("QTS_CONFIG");
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      ["db", "host", "maxConnections", "password", "port", "tls"].sort(),
    );
    expect(error.message).toContain("port=0");
    expect(error.message).not.toContain("=5:");
    expect(Object.isFrozen(error.issues)).toBe(true);
  });

  it("never shows the password in any string form", () => {
    const c = cacheConfig({ password: SECRET });
    expect(c.password).toBe(SECRET);
    expectNoSecret(c);
    expect(JSON.parse(JSON.stringify(c)).password).toBe("***");
    expect(String(c)).toContain('"host":"localhost"');
    expect(inspect(c)).toContain("localhost");
  });
});

describe("cacheConfigFromUrl", () => {
  it("reads host, port and db from redis://", () => {
    const c = cacheConfigFromUrl("redis://cache.example:6380/3");
    expect(c).toMatchObject({
      host: "cache.example",
      port: 6380,
      db: 3,
      tls: false,
      username: "",
      password: "",
    });
    expect(c.maxConnections).toBe(50);
  });

  it("keeps defaults for what the URL leaves out", () => {
    expect(cacheConfigFromUrl("redis://h")).toMatchObject({ host: "h", port: 6379, db: 0 });
    expect(cacheConfigFromUrl("redis://h/")).toMatchObject({ db: 0 });
  });

  it("turns on TLS for rediss://", () => {
    expect(cacheConfigFromUrl("rediss://secure.example:6390").tls).toBe(true);
  });

  it("reads user:password (percent-decoded) and hides the password", () => {
    const c = cacheConfigFromUrl(`redis://app%40team:${encodeURIComponent(SECRET)}@h:7000/1`);
    expect(c.username).toBe("app@team");
    expect(c.password).toBe(SECRET);
    expect(c.port).toBe(7000);
    expectNoSecret(c);
  });

  it("reads a password-only URL and IPv6 hosts", () => {
    expect(cacheConfigFromUrl("redis://:pw@[::1]:6379")).toMatchObject({
      host: "::1",
      password: "pw",
      username: "",
    });
  });

  it("applies overrides after the URL", () => {
    expect(cacheConfigFromUrl("redis://h:1/2", { port: 3, socketTimeoutMs: 250 })).toMatchObject({
      host: "h",
      port: 3,
      db: 2,
      socketTimeoutMs: 250,
    });
  });

  it.each([
    ["not a URL", "not a url"],
    ["http://", "http://h:6379"],
    ["a non-numeric db", "redis://h/abc"],
    ["a bad port", "redis://h:notaport"],
    ["a port out of range", "redis://h:70000"],
    ["bad percent-encoding", "redis://:%zz@h"],
  ])("rejects %s with a ConfigError", (_name, url) => {
    const error = configError(() => cacheConfigFromUrl(url));
    expect(error.issues.length).toBeGreaterThan(0);
  });

  it("rejects a db out of range", () => {
    const error = configError(() => cacheConfigFromUrl("redis://h/99999"));
    expect(error.issues).toEqual([
      { variable: "db", value: "99999", reason: expect.stringContaining("between") },
    ]);
  });

  it.each([
    `redis://user:${SECRET}@h:6379/x`,
    `redis://:${SECRET}@h:notaport`,
    `redis://u:${SECRET}@h:0`,
    `http://u:${SECRET}@h`,
    `redis://u:${encodeURIComponent(SECRET)}@h:bad`,
  ])("never shows the password of a bad URL: %s", (url) => {
    const error = configError(() => cacheConfigFromUrl(url));
    expectNoSecret(error);
    expectNoSecret(error.issues);
    expect(error.message).toContain("***");
  });
});

describe("cacheConfigFromEnv", () => {
  it("uses the defaults when nothing is set", () => {
    expect({ ...cacheConfigFromEnv({}) }).toEqual(DEFAULTS);
  });

  it("reads QTS_REDIS_URL, then the single variables override it", () => {
    const c = cacheConfigFromEnv({
      QTS_REDIS_URL: "redis://:urlpw@from-url:7000/2",
      QTS_REDIS_HOST: " from-env ",
      QTS_REDIS_DB: "4",
      QTS_REDIS_USERNAME: "svc",
      QTS_REDIS_PASSWORD: SECRET,
      QTS_REDIS_TLS: "true",
      QTS_REDIS_MAX_CONNECTIONS: "8",
      QTS_REDIS_SOCKET_TIMEOUT_MS: "150",
      QTS_REDIS_CONNECT_TIMEOUT_MS: "900",
      QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD: "3",
      QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS: "1000",
    });
    expect({ ...c }).toEqual({
      host: "from-env",
      port: 7000,
      db: 4,
      username: "svc",
      password: SECRET,
      tls: true,
      maxConnections: 8,
      socketTimeoutMs: 150,
      socketConnectTimeoutMs: 900,
      circuitBreakerThreshold: 3,
      circuitBreakerRecoveryMs: 1000,
    });
    expectNoSecret(c);
  });

  it.each([
    ["1", true],
    ["yes", true],
    ["TRUE", true],
    ["0", false],
    ["no", false],
    ["false", false],
  ])("QTS_REDIS_TLS=%s → %s", (value, tls) => {
    expect(cacheConfigFromEnv({ QTS_REDIS_TLS: value }).tls).toBe(tls);
  });

  it("reports every bad variable at once", () => {
    const error = configError(() =>
      cacheConfigFromEnv({
        QTS_REDIS_PORT: "abc",
        QTS_REDIS_DB: "-1",
        QTS_REDIS_TLS: "maybe",
        QTS_REDIS_MAX_CONNECTIONS: "0",
        QTS_REDIS_SOCKET_TIMEOUT_MS: "1.5",
        QTS_REDIS_CONNECT_TIMEOUT_MS: "x",
        QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD: "0",
        QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS: "-5",
        QTS_REDIS_PASSWORD: SECRET,
      }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual(
      [
        "QTS_REDIS_CIRCUIT_BREAKER_RECOVERY_MS",
        "QTS_REDIS_CIRCUIT_BREAKER_THRESHOLD",
        "QTS_REDIS_CONNECT_TIMEOUT_MS",
        "QTS_REDIS_DB",
        "QTS_REDIS_MAX_CONNECTIONS",
        "QTS_REDIS_PORT",
        "QTS_REDIS_SOCKET_TIMEOUT_MS",
        "QTS_REDIS_TLS",
      ].sort(),
    );
    for (const issue of error.issues) expect(error.message).toContain(`${issue.variable}=${issue.value}`);
    expect(error.issues.find((i) => i.variable === "QTS_REDIS_PORT")?.value).toBe("abc");
    expectNoSecret(error);
  });

  it("names QTS_REDIS_URL (redacted) for a bad value that came from the URL", () => {
    const error = configError(() =>
      cacheConfigFromEnv({ QTS_REDIS_URL: `redis://:${encodeURIComponent(SECRET)}@h:0/99999` }),
    );
    expect(error.issues.map((i) => i.variable)).toEqual(["QTS_REDIS_URL", "QTS_REDIS_URL"]);
    expect(error.issues.map((i) => i.reason)).toEqual([
      expect.stringMatching(/^port /),
      expect.stringMatching(/^db /),
    ]);
    expectNoSecret(error);
  });

  it("reports a bad URL together with other bad variables, password hidden", () => {
    const error = configError(() =>
      cacheConfigFromEnv({ QTS_REDIS_URL: `redis://u:${SECRET}@h:bad`, QTS_REDIS_DB: "x" }),
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["QTS_REDIS_DB", "QTS_REDIS_URL"]);
    expectNoSecret(error);
  });

  it("reads process.env by default", () => {
    const saved = process.env.QTS_REDIS_MAX_CONNECTIONS;
    process.env.QTS_REDIS_MAX_CONNECTIONS = "7";
    try {
      expect(cacheConfigFromEnv().maxConnections).toBe(7);
    } finally {
      if (saved === undefined) delete process.env.QTS_REDIS_MAX_CONNECTIONS;
      else process.env.QTS_REDIS_MAX_CONNECTIONS = saved;
    }
  });
});
