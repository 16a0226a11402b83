import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  columnIndex,
  columnLetters,
  parseA1,
  type SheetsEmulator,
  startSheetsEmulator,
} from "../src/index.js";

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: JSON responses are inspected field by field
type Json = any;

const AUTH = { authorization: "Bearer t", "content-type": "application/json" };

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(new URL(path.replace(/^\//, ""), emu.rootUrl), {
    method,
    headers: AUTH,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

const enc = encodeURIComponent;

describe("A1 notation", () => {
  it("parses quoted tab names, open ranges and single cells", () => {
    expect(parseA1("'my ''tab'''!A1:K")).toEqual({
      tab: "my 'tab'",
      startRow: 0,
      endRow: null,
      startCol: 0,
      endCol: 11,
    });
    expect(parseA1("ledger!A2:A")).toEqual({
      tab: "ledger",
      startRow: 1,
      endRow: null,
      startCol: 0,
      endCol: 1,
    });
    expect(parseA1("ticks!3:5")).toEqual({ tab: "ticks", startRow: 2, endRow: 5, startCol: 0, endCol: null });
    expect(parseA1("positions")).toEqual({
      tab: "positions",
      startRow: 0,
      endRow: null,
      startCol: 0,
      endCol: null,
    });
    expect(parseA1("B3")).toEqual({ tab: null, startRow: 2, endRow: 3, startCol: 1, endCol: 2 });
    expect(() => parseA1("x!A1:B2:C3")).toThrow(/Unable to parse range/);
    expect(() => parseA1("'unterminated!A1")).toThrow(/Unable to parse range/);
    expect([columnIndex("A"), columnIndex("Z"), columnIndex("AA"), columnLetters(27)]).toEqual([
      0,
      25,
      26,
      "AB",
    ]);
  });
});

describe("Sheets v4 emulator", () => {
  it("answers spreadsheets.get and addSheet with Google's shapes", async () => {
    const id = emu.createSpreadsheet({ tabs: ["Sheet1"] });
    const add = await call("POST", `/v4/spreadsheets/${id}:batchUpdate`, {
      requests: [{ addSheet: { properties: { title: "my tab" } } }],
    });
    expect(add.status).toBe(200);
    expect(add.json.replies[0].addSheet.properties).toMatchObject({
      title: "my tab",
      sheetType: "GRID",
      gridProperties: { rowCount: 1000, columnCount: 26 },
    });
    const dup = await call("POST", `/v4/spreadsheets/${id}:batchUpdate`, {
      requests: [
        { addSheet: { properties: { title: "Other" } } },
        { addSheet: { properties: { title: "my tab" } } },
      ],
    });
    expect(dup.status).toBe(400);
    expect(dup.json.error).toMatchObject({ code: 400, status: "INVALID_ARGUMENT" });
    expect(dup.json.error.message).toMatch(/already exists/);
    const got = await call("GET", `/v4/spreadsheets/${id}`);
    expect(got.json.sheets.map((s: Json) => s.properties.title)).toEqual(["Sheet1", "my tab"]); // batch is atomic
    // By default an unknown id is created on first use; with autoCreate: false it is Google's 404.
    const auto = await call("GET", "/v4/spreadsheets/any-id-a-test-picks");
    expect(auto.json.sheets.map((s: Json) => s.properties.title)).toEqual(["Sheet1"]);
    expect(emu.tabs(emu.spreadsheetId)).toEqual(["Sheet1"]);
    const strict = await startSheetsEmulator({ autoCreate: false });
    try {
      const res = await fetch(new URL("v4/spreadsheets/nope", strict.rootUrl), { headers: AUTH });
      expect(res.status).toBe(404);
      expect(((await res.json()) as Json).error).toMatchObject({ code: 404, status: "NOT_FOUND" });
    } finally {
      await strict.close();
    }
  });

  it("update/get/batchGet trim trailing empties; RAW keeps text, USER_ENTERED makes formulas and numbers", async () => {
    const id = emu.createSpreadsheet({ tabs: ["my tab"] });
    const range = enc("'my tab'!A1:C3");
    const put = await call("PUT", `/v4/spreadsheets/${id}/values/${range}?valueInputOption=RAW`, {
      values: [
        ["=SUM(1,2)", "+1", ""],
        ["0.10", null, "x"],
      ],
    });
    expect(put.json).toMatchObject({
      updatedRange: "'my tab'!A1:C2",
      updatedRows: 2,
      updatedColumns: 3,
      updatedCells: 5,
    });
    expect(emu.getCells(id, "my tab")).toEqual([
      ["=SUM(1,2)", "+1"],
      ["0.10", undefined, "x"],
    ]);
    await call("PUT", `/v4/spreadsheets/${id}/values/${enc("'my tab'!A5")}?valueInputOption=USER_ENTERED`, {
      values: [["=SUM(1,2)", "0.10", "'=text", "TRUE"]],
    });
    expect(emu.getCells(id, "my tab")[4]).toEqual([{ formula: "=SUM(1,2)" }, 0.1, "=text", true]);
    const get = await call(
      "GET",
      `/v4/spreadsheets/${id}/values/${enc("'my tab'!A1:D")}?valueRenderOption=UNFORMATTED_VALUE`,
    );
    expect(get.json).toEqual({
      range: "'my tab'!A1:D1000",
      majorDimension: "ROWS",
      values: [["=SUM(1,2)", "+1"], ["0.10", "", "x"], [], [], ["#ERROR!", 0.1, "=text", true]],
    });
    const batch = await call(
      "GET",
      `/v4/spreadsheets/${id}/values:batchGet?ranges=${enc("'my tab'!A2:A")}&ranges=${enc("'my tab'!Z1:Z")}&valueRenderOption=FORMULA`,
    );
    expect(batch.json.valueRanges).toEqual([
      { range: "'my tab'!A2:A1000", majorDimension: "ROWS", values: [["0.10"], [], [], ["=SUM(1,2)"]] },
      { range: "'my tab'!Z1:Z1000", majorDimension: "ROWS" },
    ]);
    const noOption = await call("PUT", `/v4/spreadsheets/${id}/values/${range}`, { values: [["a"]] });
    expect(noOption.json.error.message).toMatch(/valueInputOption/);
    const beyond = await call(
      "PUT",
      `/v4/spreadsheets/${id}/values/${enc("'my tab'!A1001")}?valueInputOption=RAW`,
      {
        values: [["a"]],
      },
    );
    expect(beyond.json.error.message).toMatch(/exceeds grid limits/);
    const badTab = await call("GET", `/v4/spreadsheets/${id}/values/${enc("nope!A1")}`);
    expect(badTab.json.error.message).toMatch(/Unable to parse range/);
  });

  it("append finds the table end, grows the grid and reports updates", async () => {
    const id = emu.createSpreadsheet({ tabs: ["ledger"] });
    const url = (opt: string) =>
      `/v4/spreadsheets/${id}/values/${enc("ledger!A:C")}:append?valueInputOption=${opt}`;
    const first = await call("POST", url("RAW"), { values: [["id", "a", "b"]] });
    expect(first.json).toEqual({
      spreadsheetId: id,
      updates: {
        spreadsheetId: id,
        updatedRange: "ledger!A1:C1",
        updatedRows: 1,
        updatedColumns: 3,
        updatedCells: 3,
      },
    });
    const rows = Array.from({ length: 1200 }, (_, i) => [String(i + 1), "=x", "-1"]);
    const second = await call("POST", `${url("RAW")}&insertDataOption=INSERT_ROWS`, { values: rows });
    expect(second.json.tableRange).toBe("ledger!A1:C1");
    expect(second.json.updates.updatedRange).toBe("ledger!A2:C1201");
    const meta = await call("GET", `/v4/spreadsheets/${id}`);
    expect(meta.json.sheets[0].properties.gridProperties.rowCount).toBeGreaterThanOrEqual(1201);
    expect(emu.getSheetValues(id, "ledger")[1200]).toEqual(["1200", "=x", "-1"]);
    const batch = await call("POST", `/v4/spreadsheets/${id}/values:batchUpdate`, {
      valueInputOption: "RAW",
      data: [
        { range: "ledger!B2", values: [["y"]] },
        { range: "ledger!C3:C4", values: [["1"], ["2"]] },
      ],
    });
    expect(batch.json).toMatchObject({ totalUpdatedCells: 3, totalUpdatedRows: 3, totalUpdatedSheets: 1 });
    const sheetId = meta.json.sheets[0].properties.sheetId;
    const del = await call("POST", `/v4/spreadsheets/${id}:batchUpdate`, {
      requests: [{ deleteDimension: { range: { sheetId, dimension: "ROWS", startIndex: 1, endIndex: 2 } } }],
    });
    expect(del.status).toBe(200);
    expect(emu.getSheetValues(id, "ledger")[1]).toEqual(["2", "=x", "1"]);
    const clear = await call("POST", `/v4/spreadsheets/${id}/values/${enc("ledger!A3:C")}:clear`, {});
    expect(clear.json.clearedRange).toBe("ledger!A3:C2199"); // INSERT_ROWS grew the grid by 1200, one row deleted
    expect(emu.getSheetValues(id, "ledger")).toHaveLength(2);
  });

  it("injects 429/5xx bursts (optionally after applying), connection resets and latency", async () => {
    const id = emu.createSpreadsheet({ tabs: ["t"] });
    emu.injectFailures({ status: 429, count: 2, methods: ["values.get"], retryAfterSeconds: 1 });
    const r1 = await fetch(new URL(`v4/spreadsheets/${id}/values/t`, emu.rootUrl), { headers: AUTH });
    expect(r1.status).toBe(429);
    expect(r1.headers.get("retry-after")).toBe("1");
    expect(((await r1.json()) as Json).error.status).toBe("RESOURCE_EXHAUSTED");
    expect((await call("GET", `/v4/spreadsheets/${id}/values/t`)).status).toBe(429);
    expect((await call("GET", `/v4/spreadsheets/${id}/values/t`)).status).toBe(200);

    emu.injectFailures({ status: 503, count: 1, methods: ["values.append"], afterApply: true });
    const failed = await call("POST", `/v4/spreadsheets/${id}/values/t:append?valueInputOption=RAW`, {
      values: [["a"]],
    });
    expect(failed.json.error).toMatchObject({ code: 503, status: "UNAVAILABLE" });
    expect(emu.getSheetValues(id, "t")).toEqual([["a"]]); // applied anyway

    emu.injectFailures({ status: "reset", count: 1 });
    await expect(call("GET", `/v4/spreadsheets/${id}`)).rejects.toThrow();

    emu.setLatency(80);
    const started = performance.now();
    await call("GET", `/v4/spreadsheets/${id}`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(70);
    emu.setLatency(0);

    const unauth = await fetch(new URL(`v4/spreadsheets/${id}`, emu.rootUrl));
    expect(unauth.status).toBe(401);
    const mine = emu.requestLog.filter((e) => e.path.includes(id));
    expect(mine.filter((e) => e.method === "values.get").map((e) => e.status)).toEqual([429, 429, 200]);
    expect(mine.filter((e) => e.injected).map((e) => e.status)).toEqual([429, 429, 503, "reset"]);
    expect(emu.countRequests("values.get", { succeededOnly: true })).toBeGreaterThanOrEqual(1);
    expect(new URL(emu.rootUrl).hostname).toBe("127.0.0.1");
  });
});
