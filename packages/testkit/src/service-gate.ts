/**
 * What to do when a server binary is missing. In CI (`CI` set to anything but
 * "", "0" or "false") a missing service is a broken machine and must fail the
 * run loudly; on a developer machine a test may catch the error and skip.
 */

/** Thrown when a service (binary, server) the tests need is not available. */
export class ServiceUnavailableError extends Error {
  override readonly name = "ServiceUnavailableError";
  /** The service that is missing, e.g. "postgresql". */
  readonly service: string;
  /** How to get it, e.g. "apt-get install -y postgresql". */
  readonly hint: string;
  /** True when thrown in CI: the caller must not skip. */
  readonly inCI: boolean;

  constructor(service: string, hint: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.service = service;
    this.hint = hint;
    this.inCI = inCI();
  }
}

/** True when running in CI (`process.env.CI` set and not "", "0" or "false"). */
export function inCI(): boolean {
  const value = process.env.CI;
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

/**
 * Always throws a {@link ServiceUnavailableError}. In CI the message is loud
 * (the run must fail); outside CI it says the test may be skipped.
 */
export function missingService(name: string, hint: string, cause?: unknown): never {
  const opts = cause === undefined ? undefined : { cause };
  if (inCI()) {
    const bar = "!".repeat(78);
    throw new ServiceUnavailableError(
      name,
      hint,
      `\n${bar}\n@qts/testkit: REQUIRED SERVICE "${name}" IS NOT AVAILABLE IN CI.\n` +
        `Install it: ${hint}\n` +
        `(or point the tests at a running server with QTS_TEST_PG_URL / QTS_TEST_REDIS_URL / QTS_TEST_REDIS_CLUSTER)\n${bar}`,
      opts,
    );
  }
  throw new ServiceUnavailableError(
    name,
    hint,
    `@qts/testkit: service "${name}" is not available; install it with \`${hint}\` ` +
      `or set the matching QTS_TEST_* variable. Tests that need it may be skipped outside CI.`,
    opts,
  );
}
