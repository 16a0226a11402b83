import { createServer } from "node:net";

/**
 * A TCP port on 127.0.0.1 that was free a moment ago: binds port 0, reads the
 * port the kernel chose and releases it. Another process may still take it
 * before you do; the service starters retry with a new port when that happens.
 */
export function getFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === "string") {
        server.close();
        reject(new Error("getFreePort: the server has no TCP address"));
        return;
      }
      const { port } = address;
      server.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** `count` distinct free ports (distinct from each other and from `avoid`). */
export async function getFreePorts(count: number, avoid: Iterable<number> = []): Promise<number[]> {
  const taken = new Set(avoid);
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await getFreePort();
    if (!taken.has(port)) {
      taken.add(port);
      ports.push(port);
    }
  }
  return ports;
}
