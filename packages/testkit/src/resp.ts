import { connect } from "node:net";

/**
 * A tiny one-shot Redis client (RESP2) used for readiness probes and cluster
 * inspection, so those do not depend on a client library's reconnect logic.
 */

export type RespValue = string | number | null | RespValue[];

export class RedisReplyError extends Error {
  override readonly name = "RedisReplyError";
}

type Parsed = { value: RespValue | RedisReplyError; next: number } | undefined;

function parse(buf: Buffer, pos: number): Parsed {
  const eol = buf.indexOf("\r\n", pos);
  if (eol < 0) return undefined;
  const type = String.fromCharCode(buf[pos] ?? 0);
  const line = buf.toString("utf8", pos + 1, eol);
  const after = eol + 2;
  switch (type) {
    case "+":
      return { value: line, next: after };
    case "-":
      return { value: new RedisReplyError(line), next: after };
    case ":":
      return { value: Number(line), next: after };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { value: buf.toString("utf8", after, after + len), next: after + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { value: null, next: after };
      const items: RespValue[] = [];
      let next = after;
      for (let i = 0; i < count; i++) {
        const item = parse(buf, next);
        if (item === undefined) return undefined;
        if (item.value instanceof RedisReplyError) return item;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      return { value: new RedisReplyError(`unexpected RESP type ${JSON.stringify(type)}`), next: after };
  }
}

function encode(args: readonly string[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

/** Sends one command and resolves with its reply; rejects on error replies, timeouts and socket errors. */
export function redisCommand(
  port: number,
  args: readonly string[],
  opts: { host?: string; timeoutMs?: number } = {},
): Promise<RespValue> {
  const host = opts.host ?? "127.0.0.1";
  const timeoutMs = opts.timeoutMs ?? 2000;
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    const socket = connect({ host, port });
    const finish = (err: Error | null, value?: RespValue) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value ?? null);
    };
    const timer = setTimeout(
      () => finish(new Error(`redis ${host}:${port} ${args[0] ?? ""}: no reply within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on("connect", () => socket.write(encode(args)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const parsed = parse(buf, 0);
      if (parsed === undefined) return;
      if (parsed.value instanceof RedisReplyError) finish(parsed.value);
      else finish(null, parsed.value);
    });
    socket.on("error", (err) => finish(err));
    socket.on("close", () => finish(new Error(`redis ${host}:${port}: connection closed before a reply`)));
  });
}

/** Parses `INFO` / `CLUSTER INFO` text into a map. */
export function parseInfo(text: RespValue): Map<string, string> {
  const map = new Map<string, string>();
  if (typeof text !== "string") return map;
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0 && !line.startsWith("#")) map.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return map;
}
