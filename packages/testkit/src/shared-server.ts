/**
 * The URL of a test service: `envVar` when set, otherwise one private server started on first use and shared
 * by the whole test process (keyed on `globalThis` by `key`, so every copy of this module finds it; a start
 * that fails is forgotten, so the next call tries again).
 */
export function sharedServerUrl<S extends { readonly url: string }>(
  envVar: string,
  key: string,
  start: () => Promise<S>,
): Promise<string> {
  const fromEnv = process.env[envVar];
  if (fromEnv !== undefined && fromEnv.trim() !== "") return Promise.resolve(fromEnv.trim());
  const slot = Symbol.for(key);
  const g = globalThis as unknown as Record<symbol, Promise<S> | undefined>;
  let shared = g[slot];
  if (shared === undefined) {
    const started = start();
    g[slot] = started;
    started.catch(() => {
      if (g[slot] === started) g[slot] = undefined;
    });
    shared = started;
  }
  return shared.then((server) => server.url);
}
