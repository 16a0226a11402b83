/** Parsing of Redis Cluster node lists: `CLUSTER NODES` output and `QTS_TEST_REDIS_CLUSTER`. */

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export interface NodeLine {
  id: string;
  host: string;
  port: number;
  flags: string[];
  masterId: string | null;
  slots: string[];
}

export function parseClusterNodes(text: unknown): NodeLine[] {
  if (typeof text !== "string") return [];
  const out: NodeLine[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(" ");
    if (f.length < 8) continue;
    const addr = (f[1] ?? "").split(",")[0]?.split("@")[0] ?? "";
    const colon = addr.lastIndexOf(":");
    out.push({
      id: f[0] ?? "",
      host: addr.slice(0, colon),
      port: Number(addr.slice(colon + 1)),
      flags: (f[2] ?? "").split(","),
      masterId: f[3] === "-" || f[3] === undefined ? null : f[3],
      slots: f.slice(8).filter((s) => !s.startsWith("[")),
    });
  }
  return out;
}

export function firstSlot(ranges: readonly string[]): number | null {
  const r = ranges[0];
  return r === undefined ? null : Number(r.split("-")[0]);
}

export function servesSlot(node: NodeLine, slot: number): boolean {
  return node.slots.some((r) => {
    const [a, b] = r.split("-");
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    return slot >= lo && slot <= hi;
  });
}

/** Parses `QTS_TEST_REDIS_CLUSTER` ("host:port,host:port,..."). */
export function parseClusterNodeList(list: string): RedisNodeAddress[] {
  return list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const colon = s.lastIndexOf(":");
      const port = Number(s.slice(colon + 1));
      const host = s.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
      if (colon <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
        throw new Error(`QTS_TEST_REDIS_CLUSTER: bad node ${JSON.stringify(s)} (want host:port)`);
      }
      return { host, port };
    });
}
