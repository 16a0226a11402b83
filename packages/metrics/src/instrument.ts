import type { Histogram } from "prom-client";

type Observer = (seconds: number) => void;

/**
 * Wraps `target` so each call of one of `operations` (methods returning a promise) is timed into
 * `histogram` with labels `{ [ownerLabel]: owner, operation, outcome: "ok" | "error" }`. Every other
 * property reads through unchanged. Methods run with `this` = the real object (private fields work).
 * The labelled children are made once per (operation, outcome): a call costs two clock reads and one observe.
 */
export function instrument<T extends object>(
  target: T,
  operations: readonly string[],
  histogram: Histogram<string>,
  ownerLabel: string,
  owner: string,
): T {
  const timed = new Set(operations);
  const wrapped = new Map<PropertyKey, unknown>();
  const observer = (operation: string, outcome: "ok" | "error"): Observer => {
    const child = histogram.labels({ [ownerLabel]: owner, operation, outcome });
    return (seconds) => child.observe(seconds);
  };
  const wrap = (name: string, fn: (...args: unknown[]) => unknown) => {
    const ok = observer(name, "ok");
    const failed = observer(name, "error");
    return (...args: unknown[]) => {
      const started = performance.now();
      const result = fn.apply(target, args);
      if (!(result instanceof Promise)) return result;
      return result.then(
        (value) => {
          ok((performance.now() - started) / 1000);
          return value;
        },
        (error: unknown) => {
          failed((performance.now() - started) / 1000);
          throw error;
        },
      );
    };
  };
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t);
      if (typeof value !== "function") return value;
      let fn = wrapped.get(prop);
      if (fn === undefined) {
        fn =
          typeof prop === "string" && timed.has(prop)
            ? wrap(prop, value as (...args: unknown[]) => unknown)
            : (value as (...args: unknown[]) => unknown).bind(t);
        wrapped.set(prop, fn);
      }
      return fn;
    },
  });
}
