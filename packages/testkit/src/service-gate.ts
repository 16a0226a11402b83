/**
 * What to do when a server binary is missing. By default a missing service fails the tests that need it
 * with a one-line reason: a green run must mean the suites touched real servers. Only a developer who sets
 * `QTS_TEST_ALLOW_SKIP=1` (never honoured in CI) lets those tests skip instead.
 */

/** Thrown when a service (binary, server) the tests need is not available. */
export class ServiceUnavailableError extends Error {
  override readonly name = "ServiceUnavailableError";
  /** The service that is missing, e.g. "postgresql". */
  readonly service: string;
  /** How to get it, e.g. "apt-get install -y postgresql". */
  readonly hint: string;
  /** True when thrown in CI. */
  readonly inCI: boolean;
  /** True only when skipping was explicitly allowed (`QTS_TEST_ALLOW_SKIP=1`, outside CI): the caller may skip. */
  readonly skippable: boolean;

  constructor(service: string, hint: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.service = service;
    this.hint = hint;
    this.inCI = inCI();
    this.skippable = skipAllowed();
  }
}

/** True when running in CI (`process.env.CI` set and not "", "0" or "false"). */
export function inCI(): boolean {
  const value = process.env.CI;
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== "" && v !== "0" && v !== "false";
}

/** True when tests may skip for a missing service: `QTS_TEST_ALLOW_SKIP=1` and not in CI. */
export function skipAllowed(): boolean {
  return !inCI() && (process.env.QTS_TEST_ALLOW_SKIP ?? "").trim() === "1";
}

/**
 * Always throws a {@link ServiceUnavailableError}. In CI the message is loud
 * (the run must fail); outside CI it names QTS_TEST_ALLOW_SKIP.
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
      `or set the matching QTS_TEST_* variable${
        skipAllowed()
          ? " (skipping: QTS_TEST_ALLOW_SKIP=1)"
          : " (QTS_TEST_ALLOW_SKIP=1 skips these tests instead)"
      }.`,
    opts,
  );
}
