import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { getFreePort, getFreePorts } from "../src/index.js";

function listen(port: number): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(() => new Promise<void>((r) => server.close(() => r()))));
  });
}

describe("getFreePort", () => {
  it("returns a port that can be bound on 127.0.0.1", async () => {
    const port = await getFreePort();
    expect(Number.isInteger(port)).toBe(true);
    expect(port).toBeGreaterThan(1023);
    expect(port).toBeLessThanOrEqual(65535);
    const close = await listen(port);
    await close();
  });

  it("getFreePorts returns distinct ports", async () => {
    const ports = await getFreePorts(12);
    expect(new Set(ports).size).toBe(12);
  });
});
