import { ValidationError } from "@qts/contracts";
import { describe, expect, it } from "vitest";
import { GoogleSheetsAdapter, HybridAdapter, InMemoryAdapter } from "../src/index.js";

function refused(fn: () => unknown, field: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, field).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).message).toContain(field);
}

describe("adapter options go through the shared validators (ValidationError naming the option)", () => {
  const mem = () => new InMemoryAdapter();
  it("HybridAdapter: maxBacklog, closeDrainTimeoutMs, retry delays, outbox", () => {
    refused(() => new HybridAdapter(mem(), mem(), { maxBacklog: 0 }), "maxBacklog");
    refused(() => new HybridAdapter(mem(), mem(), { maxBacklog: 1.5 }), "maxBacklog");
    refused(() => new HybridAdapter(mem(), mem(), { closeDrainTimeoutMs: -1 }), "closeDrainTimeoutMs");
    refused(() => new HybridAdapter(mem(), mem(), { retry: { baseDelayMs: 0 } }), "retry.baseDelayMs");
    refused(() => new HybridAdapter(mem(), mem(), { outbox: "yes" as unknown as boolean }), "outbox");
    expect(new HybridAdapter(mem(), mem(), { maxBacklog: 1, closeDrainTimeoutMs: 0 }).name).toBe(
      "hybrid(memory,memory)",
    );
  });

  it("GoogleSheetsAdapter: maxRowsPerRequest 0 (which used to loop forever), quota, snapshot age", () => {
    const base = { spreadsheetId: "s", rootUrl: "http://127.0.0.1:1/" };
    refused(() => new GoogleSheetsAdapter({ ...base, maxRowsPerRequest: 0 }), "maxRowsPerRequest");
    refused(() => new GoogleSheetsAdapter({ ...base, writeRequestsPerMinute: 0 }), "writeRequestsPerMinute");
    refused(() => new GoogleSheetsAdapter({ ...base, snapshotMaxAgeMs: -5 }), "snapshotMaxAgeMs");
    refused(() => new GoogleSheetsAdapter({ ...base, lateWriteWindowMs: Number.NaN }), "lateWriteWindowMs");
  });

  it("InMemoryAdapter: name and clock", () => {
    refused(() => new InMemoryAdapter({ name: "" }), "name");
    refused(() => new InMemoryAdapter({ clock: {} as never }), "clock");
  });
});
