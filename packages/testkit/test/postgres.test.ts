import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { getFreePort, type PrivatePostgres, startPrivatePostgres } from "../src/index.js";
import { processGone, query } from "./helpers.js";

const instances: PrivatePostgres[] = [];
afterAll(async () => {
  await Promise.all(instances.map((i) => i.destroy()));
});

describe("startPrivatePostgres", () => {
  it("runs a private server that survives stop/start and kill/start", async () => {
    const pg = await startPrivatePostgres();
    instances.push(pg);
    expect(pg.url).toBe(`postgres://postgres@127.0.0.1:${pg.port}/test`);
    expect(pg.port).not.toBe(5432);
    expect(existsSync(pg.dataDir)).toBe(true);
    expect(pg.running).toBe(true);

    const [row] = await query(pg.url, "SELECT current_database() AS db, current_setting('fsync') AS fsync");
    expect(row).toEqual({ db: "test", fsync: "off" });
    await query(pg.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before stop')");

    await pg.stop();
    expect(pg.running).toBe(false);
    await expect(query(pg.url, "SELECT 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });

    await pg.start();
    expect(await query(pg.url, "SELECT v FROM kept")).toEqual([{ v: "before stop" }]);
    await query(pg.url, "INSERT INTO kept VALUES ('before kill')");

    const pid = pg.pid;
    expect(pid).not.toBeNull();
    await pg.kill();
    expect(processGone(pid ?? -1)).toBe(true);
    await expect(query(pg.url, "SELECT 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });

    await pg.start();
    // A committed row survives a crash (crash recovery replays the WAL).
    const rows = await query(pg.url, "SELECT v FROM kept ORDER BY v");
    expect(rows.map((r) => r.v)).toEqual(["before kill", "before stop"]);

    const root = dirname(pg.dataDir);
    const lastPid = pg.pid ?? -1;
    await pg.destroy();
    expect(existsSync(root)).toBe(false);
    expect(processGone(lastPid)).toBe(true);
    await expect(query(pg.url, "SELECT 1")).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await pg.destroy(); // idempotent
  });

  it("listens on the requested port", async () => {
    const port = await getFreePort();
    const pg = await startPrivatePostgres({ port });
    instances.push(pg);
    expect(pg.port).toBe(port);
    const [row] = await query(`postgres://postgres@127.0.0.1:${port}/test`, "SELECT inet_server_port() AS p");
    expect(row?.p).toBe(port);
  });
});
