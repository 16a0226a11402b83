import { ConfigError, DEFAULT_POOL_CONFIG, systemClock } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import type { TimescaleAdapterOptions } from "../src/timescale/index.js";
import { resolveTimescaleOptions } from "../src/timescale/options.js";

const SECRET = "hunter2";

function configError(options: TimescaleAdapterOptions): ConfigError {
  try {
    resolveTimescaleOptions(options);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("resolveTimescaleOptions: the shared validators in collecting mode", () => {
  it("resolves the defaults into a frozen object", () => {
    const o = resolveTimescaleOptions({ dsn: "host=h dbname=q" });
    expect(o.dsn).toMatch(/^postgres(ql)?:\/\//);
    expect(o.pool).toEqual(DEFAULT_POOL_CONFIG);
    expect(o).toMatchObject({
      schema: "public",
      connectTimeoutMs: DEFAULT_POOL_CONFIG.commandTimeoutMs,
      timescale: "auto",
      insertBatchRows: 5000,
      bulkTimeoutMs: 60_000,
      maintainRollups: true,
      preparedStatements: true,
      maxReplicaLagMs: 1000,
      replicaCheckIntervalMs: 250,
      name: "timescale",
      outbox: false,
    });
    expect(o.clock).toBe(systemClock);
    for (const frozen of [o, o.pool, o.readDsns]) expect(Object.isFrozen(frozen)).toBe(true);
  });

  it("reports every bad option at once, each with its value", () => {
    const error = configError({
      dsn: "postgres://h/db",
      schema: "bad-name",
      pool: { maxConnections: 0, commandTimeoutMs: 1.5 },
      connectTimeoutMs: 0,
      timescale: "sometimes" as never,
      compressAfter: "soon",
      insertBatchRows: 0,
      bulkTimeoutMs: -1,
      maxReplicaLagMs: -1,
      replicaCheckIntervalMs: 5,
      maintainRollups: "yes" as never,
      outbox: 1 as never,
    });
    expect(error.issues.map((i) => `${i.variable}=${i.value}`)).toEqual([
      "schema=bad-name",
      "pool.maxConnections=0",
      "pool.commandTimeoutMs=1.5",
      "connectTimeoutMs=0",
      "timescale=sometimes",
      "compressAfter=soon",
      "insertBatchRows=0",
      "bulkTimeoutMs=-1",
      "maxReplicaLagMs=-1",
      "replicaCheckIntervalMs=5",
      "maintainRollups=yes",
      "outbox=1",
    ]);
    expect(error.issues.find((i) => i.variable === "replicaCheckIntervalMs")?.reason).toBe(
      "must be an integer >= 10",
    );
  });

  it("keeps the pool rule min <= max and the retention rule", () => {
    expect(configError({ dsn: "postgres://h/db", pool: { minConnections: 30 } }).issues).toEqual([
      { variable: "pool.minConnections", value: "30", reason: "must be <= maxConnections" },
    ]);
    expect(
      configError({ dsn: "postgres://h/db", compressAfter: "30 days", tickRetention: "2 weeks" }).issues,
    ).toEqual([
      { variable: "tickRetention", value: "2 weeks", reason: "must be longer than compressAfter (30 days)" },
    ]);
  });

  it("redacts the password of a bad DSN and of a bad read DSN", () => {
    const error = configError({
      dsn: `host=h password=${SECRET} connect_timeout=5`,
      readDsn: ["", `postgres://u:${SECRET}@h:notaport/db`],
    });
    expect(error.issues.map((i) => i.variable)).toEqual(["dsn", "readDsn", "readDsn"]);
    expect(error.issues[0]?.value).toContain("password=***");
    expect(error.message).not.toContain(SECRET);
    expect(JSON.stringify(error.issues)).not.toContain(SECRET);
  });

  it("a missing DSN and a bad prepared-statements parameter are reported together", () => {
    expect(configError({} as TimescaleAdapterOptions).issues.map((i) => i.variable)).toEqual(["dsn"]);
    const error = configError({
      dsn: "postgres://h/db?qts_prepared_statements=maybe",
      preparedStatements: "no" as never,
    });
    expect(error.issues).toEqual([
      { variable: "preparedStatements", value: "no", reason: "must be true or false" },
      { variable: "dsn qts_prepared_statements", value: "maybe", reason: "must be on or off" },
    ]);
  });

  it("the DSN's qts_prepared_statements parameter sets the option, is taken out, and may not contradict it", () => {
    const off = resolveTimescaleOptions({ dsn: "postgres://h/db?qts_prepared_statements=off" });
    expect(off.preparedStatements).toBe(false);
    expect(off.dsn).not.toContain("qts_prepared_statements");
    expect(
      resolveTimescaleOptions({
        dsn: "postgres://h/db?qts_prepared_statements=OFF",
        preparedStatements: false,
      }).preparedStatements,
    ).toBe(false);
    expect(
      configError({ dsn: "postgres://h/db?qts_prepared_statements=off", preparedStatements: true }).issues,
    ).toEqual([
      {
        variable: "preparedStatements",
        value: "true",
        reason: "contradicts qts_prepared_statements=off in the DSN",
      },
    ]);
  });
});
