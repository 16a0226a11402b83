import type { SheetsEmulator } from "@qts/testkit";
import { afterAll, beforeAll } from "vitest";
import { describeDataSourceConformance } from "../src/testing/index.js";
import { sheetsAdapter, startEmulator } from "./sheets-helpers.js";

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(async () => {
  await emu?.close();
});

// A spreadsheet is slow and small: a twentieth of the default bulk sizes (every semantic check still runs).
// applyFill runs the whole fills conformance section (exactly once within a process; see the README).
describeDataSourceConformance("GoogleSheetsAdapter (Sheets v4 emulator)", async () => sheetsAdapter(emu), {
  scale: 0.05,
});
