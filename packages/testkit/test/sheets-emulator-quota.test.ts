import { afterEach, describe, expect, it } from "vitest";
import { type SheetsEmulator, startSheetsEmulator } from "../src/index.js";

const open: SheetsEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function emulator(opts: Parameters<typeof startSheetsEmulator>[0]): Promise<SheetsEmulator> {
  const emu = await startSheetsEmulator(opts);
  open.push(emu);
  return emu;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON responses are inspected field by field
type Json = any;

async function call(emu: SheetsEmulator, method: string, path: string, body?: unknown) {
  const started = Date.now();
  const res = await fetch(new URL(path, emu.rootUrl), {
    method,
    headers: { authorization: "Bearer t", "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json, ms: Date.now() - started };
}

const append = (emu: SheetsEmulator, id: string, n: number) =>
  call(emu, "POST", `v4/spreadsheets/${id}/values/Sheet1!A1:append?valueInputOption=RAW`, {
    values: [[`row ${n}`]],
  });

describe("Sheets emulator quotas and latency", () => {
  it("refuses writes over the per-minute quota with Google's 429 body, counts reads apart, refills", async () => {
    const emu = await emulator({ quota: { writesPerMinute: 3, readsPerMinute: 2, windowMs: 1500 } });
    const id = emu.createSpreadsheet();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await append(emu, id, i)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await append(emu, id, 9);
    expect(refused.json).toMatchObject({
      error: {
        code: 429,
        status: "RESOURCE_EXHAUSTED",
        details: [
          { reason: "RATE_LIMIT_EXCEEDED", metadata: { quota_limit: "WriteRequestsPerMinutePerUser" } },
        ],
      },
    });
    expect(refused.json.error.message).toMatch(
      /^Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets\.googleapis\.com'/,
    );
    // Reads have their own quota: still available after the writes ran out.
    const get = () => call(emu, "GET", `v4/spreadsheets/${id}/values/Sheet1!A1:A`);
    expect((await get()).status).toBe(200);
    expect((await get()).json.values).toEqual([["row 0"], ["row 1"], ["row 2"]]); // refused writes not applied
    const third = await get();
    expect(third.status).toBe(429);
    expect(third.json.error.message).toMatch(/'Read requests'/);
    expect(emu.quotaRejections).toBe(4);
    expect(emu.requestLog.filter((e) => e.quota === "write")).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 1600)); // the next window refills both quotas
    expect((await append(emu, id, 10)).status).toBe(200);
    expect((await get()).status).toBe(200);
  });

  it("adds the configured latency to every response and changes quotas at run time", async () => {
    const emu = await emulator({ latencyMs: 150 });
    const id = emu.createSpreadsheet();
    const r = await append(emu, id, 1);
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(145);
    emu.setQuota({ writesPerMinute: 1 });
    emu.setLatency(0);
    expect((await append(emu, id, 2)).status).toBe(429); // the first append already used this window's one
    expect(() => emu.setQuota({ writesPerMinute: 0 })).toThrow(RangeError);
  });

  it("holds a write past the client's timeout, then applies it anyway", async () => {
    const emu = await emulator({});
    const id = emu.createSpreadsheet();
    emu.injectFailures({ status: "hold", holdMs: 400, methods: ["values.append"] });
    const err = await fetch(
      new URL(`v4/spreadsheets/${id}/values/Sheet1!A1:append?valueInputOption=RAW`, emu.rootUrl),
      {
        method: "POST",
        headers: { authorization: "Bearer t", "content-type": "application/json" },
        body: JSON.stringify({ values: [["late"]] }),
        signal: AbortSignal.timeout(100),
      },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(emu.getSheetValues(id, "Sheet1")).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    expect(emu.getSheetValues(id, "Sheet1")).toEqual([["late"]]);
    expect(emu.injectedFailures).toBe(1);
  });

  it("answers injected 401/403/404 with Google's status names", async () => {
    const emu = await emulator({});
    const id = emu.createSpreadsheet();
    for (const [status, name] of [
      [401, "UNAUTHENTICATED"],
      [403, "PERMISSION_DENIED"],
      [404, "NOT_FOUND"],
    ] as const) {
      emu.injectFailures({ status });
      const r = await call(emu, "GET", `v4/spreadsheets/${id}`);
      expect(r.status).toBe(status);
      expect(r.json.error).toMatchObject({ code: status, status: name });
    }
  });
});
