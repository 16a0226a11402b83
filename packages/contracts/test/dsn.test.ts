import { describe, expect, it } from "vitest";
import {
  ConfigError,
  cacheConfigFromEnv,
  cacheConfigFromUrl,
  dataLayerConfig,
  dataLayerConfigFromEnv,
  postgresDsnProblem,
  postgresDsnToUrl,
} from "../src/index.js";

/** Runs `fn`, expects a ConfigError, and checks that no part of `secret` shows anywhere in it. */
function expectRefused(fn: () => unknown, secret: string): ConfigError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  const error = thrown as ConfigError;
  const everything = `${error.message} ${JSON.stringify(error.issues)} ${String(error.stack)}`;
  expect(everything).not.toContain(secret);
  return error;
}

describe("PostgreSQL URL form", () => {
  it("is used as given, percent-encoded passwords included", () => {
    for (const url of [
      "postgres://u:p%40ss@db.example:5433/trades?sslmode=require",
      "postgresql://qts@127.0.0.1/test",
      "postgres://[::1]:5432/test",
      "postgres://u@/test?host=/var/run/postgresql",
    ]) {
      expect(postgresDsnProblem(url)).toBeNull();
      expect(postgresDsnToUrl(url)).toBe(url);
    }
  });

  it.each([
    ["an unencoded @", "postgres://u:p@ss@db.example/trades", "p@ss", /more than one '@'.*%40/],
    ["two unencoded @", "postgres://u:a@b@c@db.example/trades", "a@b@c", /more than one '@'/],
    ["an unencoded /", "postgres://u:p/ss@db.example/trades", "p/ss", /'@' after the host.*%2F/],
    [
      "an unencoded ? and a digit-only start",
      "postgres://u:1?ss@db.example/trades",
      "1?ss",
      /after the host/,
    ],
    ["an unencoded #", "postgres://u:p#ss@db.example/trades", "p#ss", /after the host.*%23/],
    ["a bad percent-escape", "postgres://u:p%zzss@db.example/trades", "p%zzss", /percent-encod/],
  ])(
    "with %s in the password is refused with advice, the password never shown",
    (_name, dsn, secret, reason) => {
      const error = expectRefused(() => postgresDsnToUrl(dsn, "QTS_DB_DSN"), secret);
      expect(error.issues).toHaveLength(1);
      expect(error.issues[0]?.variable).toBe("QTS_DB_DSN");
      expect(error.issues[0]?.reason).toMatch(reason);
      expect(error.issues[0]?.value).toContain("***");
    },
  );
});

describe("libpq key=value form", () => {
  it("becomes the URL pg takes: host, port, dbname, user, password and TLS keywords", () => {
    const url = new URL(
      postgresDsnToUrl(
        "host=db.example port=5433 dbname=trades user=qts password='se cr@t/\\'x' sslmode=require application_name=qts-cli",
      ),
    );
    expect(url.protocol).toBe("postgresql:");
    expect(url.hostname).toBe("db.example");
    expect(url.port).toBe("5433");
    expect(url.pathname).toBe("/trades");
    expect(decodeURIComponent(url.username)).toBe("qts");
    expect(decodeURIComponent(url.password)).toBe("se cr@t/'x");
    expect(url.searchParams.get("sslmode")).toBe("require");
    expect(url.searchParams.get("application_name")).toBe("qts-cli");
  });

  it("handles spaces around '=', a socket directory, IPv6, hostaddr and no password", () => {
    const socket = new URL(postgresDsnToUrl("  host = /var/run/postgresql   dbname = test  "));
    expect(socket.searchParams.get("host")).toBe("/var/run/postgresql");
    expect(socket.pathname).toBe("/test");
    expect(new URL(postgresDsnToUrl("host=::1 port=5432 dbname=test")).hostname).toBe("[::1]");
    expect(new URL(postgresDsnToUrl("hostaddr=127.0.0.1 user=postgres")).hostname).toBe("127.0.0.1");
    const noPassword = new URL(postgresDsnToUrl("host=h user=postgres"));
    expect(noPassword.username).toBe("postgres");
    expect(noPassword.password).toBe("");
  });

  it.each([
    ["an unknown keyword", "host=h connect_timeout=5", /connect_timeout.*not support/],
    ["a keyword without '='", "host=h dbname", /expected "="/],
    ["an unterminated quote", "host=h password='abc", /unterminated/],
    ["several hosts", "host=a,b dbname=x", /several hosts/],
    ["a port that is not a number", "host=h port=x5432", /port/],
    ["host and hostaddr that differ", "host=a hostaddr=10.0.0.1", /hostaddr/],
    ["another scheme", "mysql://u@h/db", /postgres:\/\//],
    ["free text", "not a dsn", /key=value/],
  ])("rejects %s", (_name, dsn, reason) => {
    const error = expectRefused(() => postgresDsnToUrl(dsn), "\u0000never");
    expect(error.issues[0]?.reason).toMatch(reason);
  });

  it("a refused key=value DSN never shows its password", () => {
    expectRefused(() => postgresDsnToUrl("host=h password=hunter2 bogus=1"), "hunter2");
    expectRefused(() => postgresDsnToUrl("host=h password='hunter 2' port=x"), "hunter 2");
  });
});

describe("data-layer config", () => {
  it("accepts both forms", () => {
    expect(dataLayerConfig({ dbDsn: "host=127.0.0.1 dbname=test user=postgres" }).dbDsn).toBe(
      "host=127.0.0.1 dbname=test user=postgres",
    );
    expect(dataLayerConfigFromEnv({ QTS_DB_DSN: "postgres://u:p%40ss@h/db" }).dbDsn).toBe(
      "postgres://u:p%40ss@h/db",
    );
  });

  it("refuses an ambiguous DSN with advice and the secret redacted, with every other issue", () => {
    const error = expectRefused(
      () => dataLayerConfigFromEnv({ QTS_DB_DSN: "postgres://u:p@ss@h/db", QTS_DB_POOL_MAX: "x" }),
      "p@ss",
    );
    expect(error.issues.map((i) => i.variable).sort()).toEqual(["QTS_DB_DSN", "QTS_DB_POOL_MAX"]);
    expect(error.message).toMatch(/%40/);
    expectRefused(() => dataLayerConfig({ dbDsn: "host=h bogus=1 password=s3cret" }), "s3cret");
  });
});

describe("Redis URLs", () => {
  it("a percent-encoded password is decoded", () => {
    expect(cacheConfigFromUrl("redis://:p%40ss@cache:6380/2").password).toBe("p@ss");
  });

  it.each([
    ["an unencoded @", "redis://:p@ss@cache:6379/0", "p@ss"],
    ["an unencoded /", "redis://user:p/ss@cache:6379/0", "p/ss"],
    ["an unencoded #", "rediss://:p#ss@cache:6379/0", "p#ss"],
  ])("with %s in the password is refused with advice, the password never shown", (_name, url, secret) => {
    const error = expectRefused(() => cacheConfigFromUrl(url), secret);
    expect(error.message).toMatch(/percent-encode/);
    expectRefused(() => cacheConfigFromEnv({ QTS_REDIS_URL: url }), secret);
  });
});
