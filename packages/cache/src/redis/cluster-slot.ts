import { createRequire } from "node:module";

/**
 * Redis Cluster hash slot of a key (CRC16 of the key or of its `{hash tag}`, mod 16384), from the
 * `cluster-key-slot` package that ioredis itself uses. It is loaded through ioredis's own resolution so this
 * package does not declare a second copy.
 */
export const clusterKeySlot: (key: string) => number = (() => {
  const require = createRequire(import.meta.url);
  const fromIoredis = createRequire(require.resolve("ioredis"));
  return fromIoredis("cluster-key-slot") as (key: string) => number;
})();
