import type { BenchDef } from "../context.js";
import { applyFillBench } from "./applyfill.js";
import { degradedBench } from "./degraded.js";
import { getManyBench } from "./getmany.js";
import { hitPathBench } from "./hit-path.js";
import { breakerBench, memoryCacheBench } from "./in-process.js";
import { ioredisBench } from "./ioredis.js";
import { nearBench } from "./near.js";
import { ohlcvBench } from "./ohlcv.js";
import { pgbouncerApplyFillBench, replicaOhlcvBench } from "./pgbouncer-replica.js";
import { redisReadBench } from "./redis-read.js";
import { sheetsBench } from "./sheets.js";
import { ticksBench } from "./ticks.js";
import { versionedBench } from "./versioned.js";

/** Every benchmark, in run order. */
export const ALL_BENCHES: readonly BenchDef[] = [
  redisReadBench,
  getManyBench,
  memoryCacheBench,
  breakerBench,
  ticksBench,
  ohlcvBench,
  applyFillBench,
  pgbouncerApplyFillBench,
  replicaOhlcvBench,
  degradedBench,
  hitPathBench,
  ioredisBench,
  versionedBench,
  sheetsBench,
  nearBench,
];
