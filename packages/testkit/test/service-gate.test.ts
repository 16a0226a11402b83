import { afterEach, describe, expect, it, vi } from "vitest";
import { inCI, missingService, ServiceUnavailableError, skipAllowed } from "../src/index.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("service gate", () => {
  it("inCI follows the CI variable", () => {
    vi.stubEnv("CI", "true");
    expect(inCI()).toBe(true);
    vi.stubEnv("CI", "1");
    expect(inCI()).toBe(true);
    vi.stubEnv("CI", "false");
    expect(inCI()).toBe(false);
    vi.stubEnv("CI", "");
    expect(inCI()).toBe(false);
    vi.stubEnv("CI", "0");
    expect(inCI()).toBe(false);
  });

  it("in CI a missing service throws loudly, naming the Debian package", () => {
    vi.stubEnv("CI", "true");
    vi.stubEnv("QTS_TEST_ALLOW_SKIP", "1"); // never honoured in CI
    const err = thrown(() => missingService("postgresql", "apt-get install -y postgresql"));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    const e = err as ServiceUnavailableError;
    expect(e.inCI).toBe(true);
    expect(e.skippable).toBe(false);
    expect(e.service).toBe("postgresql");
    expect(e.message).toContain("REQUIRED SERVICE");
    expect(e.message).toContain("apt-get install -y postgresql");
  });

  it("outside CI it is not skippable unless QTS_TEST_ALLOW_SKIP=1", () => {
    vi.stubEnv("CI", "");
    vi.stubEnv("QTS_TEST_ALLOW_SKIP", "");
    const strict = thrown(() => missingService("redis-server", "apt-get install -y redis-server"));
    expect((strict as ServiceUnavailableError).skippable).toBe(false);
    expect((strict as ServiceUnavailableError).message).toContain(
      "QTS_TEST_ALLOW_SKIP=1 skips these tests instead",
    );
    expect(skipAllowed()).toBe(false);
    vi.stubEnv("QTS_TEST_ALLOW_SKIP", "1");
    expect(skipAllowed()).toBe(true);
    const err = thrown(() => missingService("redis-server", "apt-get install -y redis-server"));
    expect(err).toBeInstanceOf(ServiceUnavailableError);
    const e = err as ServiceUnavailableError;
    expect(e.skippable).toBe(true);
    expect(e.inCI).toBe(false);
    expect(e.name).toBe("ServiceUnavailableError");
    expect(e.message).toContain("apt-get install -y redis-server");
    expect(e.message).not.toContain("REQUIRED SERVICE");
  });
});
