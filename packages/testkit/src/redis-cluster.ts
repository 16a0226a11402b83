import { join } from "node:path";
import { redisBinaries } from "./binaries.js";
import { removeDir } from "./cleanup.js";
import { getFreePorts } from "./ports.js";
import { run, sleep } from "./process.js";
import {
  firstSlot,
  type NodeLine,
  parseClusterNodeList,
  parseClusterNodes,
  type RedisNodeAddress,
  servesSlot,
} from "./redis-cluster-nodes.js";
import { baseRedisArgs, isPortInUse, RedisServerProcess } from "./redis-process.js";
import { parseInfo, redisCommand } from "./resp.js";
import { makeTempDir } from "./tempdir.js";

export { parseClusterNodeList, type RedisNodeAddress };

export interface StartRedisClusterOptions {
  /** Number of masters (at least 3, Redis Cluster's minimum). Default 3. */
  masters?: number;
  /** Replicas per master. Default 1 (so 6 servers in all). */
  replicasPerMaster?: number;
  /**
   * `cluster-node-timeout` in ms. Default 1000: a killed master is replaced in
   * about 2 s. Much lower values risk spurious failovers on a loaded machine.
   */
  nodeTimeoutMs?: number;
}

export interface FailoverResult {
  /** The replica that took over the killed master's slots; null when the killed node was a replica. */
  promoted: RedisNodeAddress | null;
  /** From killNode() (or from the call, when the node was not killed through the handle) to a healthy cluster. */
  elapsedMs: number;
}

/** A throwaway Redis Cluster of child processes on loopback ports. */
export interface RedisClusterHandle {
  /** Startup nodes for a cluster client: every server, masters and replicas. */
  readonly nodes: RedisNodeAddress[];
  /** The directory holding every node's nodes.conf and log; removed by destroy(). */
  readonly dir: string;
  /** The masters currently serving slots, as a live node sees them (CLUSTER NODES). */
  masters(): Promise<RedisNodeAddress[]>;
  /** SIGKILL one server and wait for its exit. */
  killNode(port: number): Promise<void>;
  /** Starts a killed server again with its old nodes.conf (it rejoins, as a replica if it was failed over). */
  restartNode(port: number): Promise<void>;
  /**
   * Waits until every surviving server reports `cluster_state:ok`, marks the killed
   * node as failed and - when it was a master - serves its slots from a promoted replica.
   */
  waitForFailover(killedPort: number, timeoutMs?: number): Promise<FailoverResult>;
  /** Kills every server and removes the directory. Idempotent. */
  destroy(): Promise<void>;
}

const HOST = "127.0.0.1";
const TOTAL_SLOTS = 16384;

interface ClusterNode {
  port: number;
  busPort: number;
  id: string;
  proc: RedisServerProcess | null;
}

interface KillRecord {
  at: number;
  id: string;
  slots: string[];
}

class RedisCluster implements RedisClusterHandle {
  private readonly byPort = new Map<number, ClusterNode>();
  private readonly killed = new Map<number, KillRecord>();
  private destroyed = false;

  constructor(
    private readonly serverBin: string,
    private readonly cliBin: string,
    private readonly workDir: { path: string; untrack: () => void },
    private readonly nodeTimeoutMs: number,
  ) {}

  get dir(): string {
    return this.workDir.path;
  }

  get nodes(): RedisNodeAddress[] {
    return [...this.byPort.keys()].map((port) => ({ host: HOST, port }));
  }

  private args(port: number, busPort: number): string[] {
    return [
      ...baseRedisArgs(port, this.workDir.path, join(this.workDir.path, `redis-${port}.log`)),
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      join(this.workDir.path, `nodes-${port}.conf`),
      "--cluster-port",
      String(busPort),
      "--cluster-node-timeout",
      String(this.nodeTimeoutMs),
      // A replica may always fail over, however long it was cut off from its master.
      "--cluster-replica-validity-factor",
      "0",
      // Replicas sync at once instead of after the default 5 s diskless-sync delay.
      "--repl-diskless-sync-delay",
      "0",
    ];
  }

  private async launch(node: ClusterNode): Promise<void> {
    node.proc = await RedisServerProcess.launch(
      this.serverBin,
      this.args(node.port, node.busPort),
      node.port,
      this.workDir.path,
      join(this.workDir.path, `redis-${node.port}.log`),
    );
  }

  /** Starts `count` servers, retrying with fresh ports when one was taken meanwhile. */
  async launchAll(count: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const ports = await getFreePorts(count * 2);
      const nodes: ClusterNode[] = ports
        .slice(0, count)
        .map((port, i) => ({ port, busPort: ports[count + i] ?? 0, id: "", proc: null }));
      for (const n of nodes) this.byPort.set(n.port, n);
      const results = await Promise.allSettled(nodes.map((n) => this.launch(n)));
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure === undefined) return;
      await Promise.all(nodes.map((n) => n.proc?.kill()));
      this.byPort.clear();
      if (!isPortInUse(failure.reason) || attempt >= 3) throw failure.reason;
    }
  }

  async create(replicasPerMaster: number): Promise<void> {
    await run(
      this.cliBin,
      [
        "--cluster",
        "create",
        ...this.nodes.map((n) => `${n.host}:${n.port}`),
        "--cluster-replicas",
        String(replicasPerMaster),
        "--cluster-yes",
      ],
      { timeoutMs: 60_000 },
    );
    for (const node of this.byPort.values()) {
      node.id = String(await redisCommand(node.port, ["CLUSTER", "MYID"]));
    }
  }

  /** Every node: cluster_state:ok, all slots, knows every node; every replica's link up. */
  async waitHealthy(timeoutMs: number): Promise<void> {
    const total = this.byPort.size;
    const deadline = Date.now() + timeoutMs;
    let last = "";
    for (;;) {
      try {
        let ok = true;
        for (const node of this.byPort.values()) {
          const info = parseInfo(await redisCommand(node.port, ["CLUSTER", "INFO"]));
          if (
            info.get("cluster_state") !== "ok" ||
            info.get("cluster_slots_assigned") !== String(TOTAL_SLOTS) ||
            info.get("cluster_known_nodes") !== String(total)
          ) {
            last = `${node.port}: state=${info.get("cluster_state")} known=${info.get("cluster_known_nodes")}`;
            ok = false;
            break;
          }
          const repl = parseInfo(await redisCommand(node.port, ["INFO", "replication"]));
          if (repl.get("role") === "slave" && repl.get("master_link_status") !== "up") {
            last = `${node.port}: replica link ${repl.get("master_link_status")}`;
            ok = false;
            break;
          }
        }
        if (ok) return;
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms: ${last}`);
      await sleep(50);
    }
  }

  private live(): ClusterNode[] {
    return [...this.byPort.values()].filter((n) => n.proc?.alive);
  }

  private async view(): Promise<NodeLine[]> {
    let lastErr: unknown = new Error("no live node in the cluster");
    for (const node of this.live()) {
      try {
        return parseClusterNodes(await redisCommand(node.port, ["CLUSTER", "NODES"]));
      } catch (err) {
        lastErr = err;
      }
    }
    throw lastErr;
  }

  async masters(): Promise<RedisNodeAddress[]> {
    return (await this.view())
      .filter((n) => n.flags.includes("master") && !n.flags.includes("fail") && n.slots.length > 0)
      .map((n) => ({ host: n.host, port: n.port }))
      .sort((a, b) => a.port - b.port);
  }

  private node(port: number): ClusterNode {
    const node = this.byPort.get(port);
    if (node === undefined) throw new Error(`no node on port ${port} in this cluster`);
    return node;
  }

  async killNode(port: number): Promise<void> {
    const node = this.node(port);
    let slots: string[] = [];
    try {
      slots = (await this.view()).find((n) => n.id === node.id)?.slots ?? [];
    } catch {
      // no view: waitForFailover will look again
    }
    await node.proc?.kill();
    node.proc = null;
    this.killed.set(port, { at: Date.now(), id: node.id, slots });
  }

  async restartNode(port: number): Promise<void> {
    if (this.destroyed) throw new Error("RedisClusterHandle: restartNode() after destroy()");
    const node = this.node(port);
    if (node.proc?.alive) return;
    await this.launch(node);
    this.killed.delete(port);
  }

  async waitForFailover(killedPort: number, timeoutMs = 15_000): Promise<FailoverResult> {
    const node = this.node(killedPort);
    const started = Date.now();
    let record = this.killed.get(killedPort);
    if (record === undefined) {
      const slots = (await this.view()).find((n) => n.id === node.id)?.slots ?? [];
      record = { at: started, id: node.id, slots };
    }
    const slot = firstSlot(record.slots);
    const deadline = started + timeoutMs;
    let last = "";
    for (;;) {
      try {
        let promoted: RedisNodeAddress | null = null;
        let ok = true;
        for (const survivor of this.live()) {
          const info = parseInfo(await redisCommand(survivor.port, ["CLUSTER", "INFO"]));
          const lines = parseClusterNodes(await redisCommand(survivor.port, ["CLUSTER", "NODES"]));
          const dead = lines.find((l) => l.id === record.id);
          const owner = slot === null ? undefined : lines.find((l) => servesSlot(l, slot));
          if (info.get("cluster_state") !== "ok") {
            last = `${survivor.port}: cluster_state=${info.get("cluster_state")}`;
            ok = false;
          } else if (dead !== undefined && !dead.flags.includes("fail")) {
            last = `${survivor.port}: killed node flagged ${dead.flags.join(",")}`;
            ok = false;
          } else if (slot !== null && (owner === undefined || owner.id === record.id)) {
            last = `${survivor.port}: slot ${slot} still on the killed node`;
            ok = false;
          }
          if (!ok) break;
          if (owner !== undefined) promoted = { host: owner.host, port: owner.port };
        }
        if (ok) return { promoted, elapsedMs: Date.now() - record.at };
      } catch (err) {
        last = String(err);
      }
      if (Date.now() > deadline) {
        throw new Error(`no failover of ${HOST}:${killedPort} within ${timeoutMs} ms: ${last}`);
      }
      await sleep(50);
    }
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await Promise.all([...this.byPort.values()].map((n) => n.proc?.kill()));
    for (const n of this.byPort.values()) n.proc = null;
    removeDir(this.workDir.path);
    this.workDir.untrack();
  }
}

/**
 * Starts a throwaway Redis Cluster: `masters * (1 + replicasPerMaster)` servers
 * on free loopback ports, joined with `redis-cli --cluster create`, and waits
 * until every node reports `cluster_state:ok` and every replica is in sync.
 */
export async function startRedisCluster(opts: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  if (!Number.isInteger(masters) || masters < 3)
    throw new Error("startRedisCluster: masters must be an integer >= 3");
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error("startRedisCluster: replicasPerMaster must be an integer >= 0");
  }
  const { server, cli } = redisBinaries();
  const cluster = new RedisCluster(server, cli, makeTempDir("qts-rcluster-"), opts.nodeTimeoutMs ?? 1000);
  try {
    await cluster.launchAll(masters * (1 + replicas));
    await cluster.create(replicas);
    await cluster.waitHealthy(30_000);
    return cluster;
  } catch (err) {
    await cluster.destroy().catch(() => undefined);
    throw err;
  }
}

/**
 * Cluster nodes for tests: the `QTS_TEST_REDIS_CLUSTER` list when set (destroy
 * does nothing; `cluster` is null), otherwise a private cluster of its own
 * (`cluster` is its handle, for fault tests; destroy stops it).
 */
export async function redisClusterTestNodes(): Promise<{
  nodes: RedisNodeAddress[];
  destroy(): Promise<void>;
  cluster: RedisClusterHandle | null;
}> {
  const fromEnv = process.env.QTS_TEST_REDIS_CLUSTER;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    return { nodes: parseClusterNodeList(fromEnv), destroy: async () => {}, cluster: null };
  }
  const cluster = await startRedisCluster();
  return { nodes: cluster.nodes, destroy: () => cluster.destroy(), cluster };
}
