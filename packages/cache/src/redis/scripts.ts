import { CACHE_VERSION_FIELD } from "@qts/contracts";

/**
 * The server-side scripts. Each starts with a `#!lua` shebang and declares no `allow-oom` flag, so Redis
 * (>= 7.0) checks `maxmemory` before running the script, exactly as for a plain HSET: at the limit with a
 * policy that cannot free space the call is refused with `OOM`. A script without the shebang is checked only
 * at its first write-and-grow command, and the UNLINK that opens the replace script let every write through
 * (measured on 7.0.15 with maxmemory 1mb + noeviction: 5,000 of 5,000 1 KB keys written).
 */

/** HSET of the field/value pairs ARGV[first..], in chunks of 500 pairs (Lua's unpack() has a stack limit). */
function hsetFrom(first: number): string {
  return `local n = #ARGV
for i = ${first}, n, 1000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 999, n)))
end`;
}

/** UNLINK + HSET + PEXPIRE: KEYS[1] = key, ARGV[1] = TTL in whole ms, then field/value pairs. */
export const REPLACE_HASH_LUA = `#!lua
redis.call('UNLINK', KEYS[1])
${hsetFrom(2)}
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * The versioned replace: KEYS[1] = key, ARGV[1] = TTL in whole ms, ARGV[2] = the incoming version, then the
 * field/value pairs (which carry the version field). Replaces hash + TTL only when the key is absent, when the
 * incoming version is greater than the cached one, or when both are 0 (a cached entry without the field, or
 * one that is not a hash, counts as version 0). Returns 1 when applied, 0 when not.
 */
export const REPLACE_HASH_IF_NEWER_LUA = `#!lua
local cached = redis.pcall('HGET', KEYS[1], '${CACHE_VERSION_FIELD}')
if type(cached) == 'string' then
  local incoming = tonumber(ARGV[2])
  local current = tonumber(cached) or 0
  if incoming < current or (incoming == current and current > 0) then return 0 end
end
redis.call('UNLINK', KEYS[1])
${hsetFrom(3)}
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/** The names the scripts are defined under (`defineCommand`); never auto-pipelined (see the README). */
export const SCRIPT_COMMANDS = ["qtsReplaceHash", "qtsReplaceHashIfNewer"] as const;

export type ScriptCall = (key: string, ...args: string[]) => Promise<unknown>;
/** ioredis client (or pipeline) with the scripts defined by {@link defineScripts}. */
export type WithScript<T> = T & { qtsReplaceHash: ScriptCall; qtsReplaceHashIfNewer: ScriptCall };

/** Defines the scripts as ioredis commands (EVALSHA, falling back to EVAL once per connection). */
export function defineScripts(client: {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
}): void {
  client.defineCommand("qtsReplaceHash", { numberOfKeys: 1, lua: REPLACE_HASH_LUA });
  client.defineCommand("qtsReplaceHashIfNewer", { numberOfKeys: 1, lua: REPLACE_HASH_IF_NEWER_LUA });
}
