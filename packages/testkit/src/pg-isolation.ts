import { randomBytes } from "node:crypto";
import { Client } from "pg";

const IDENT = /^[a-z_][a-z0-9_]*$/;

function randomSuffix(): string {
  return randomBytes(6).toString("hex");
}

function checkPrefix(prefix: string): void {
  if (!IDENT.test(prefix) || prefix.length > 40) {
    throw new Error(
      `invalid prefix ${JSON.stringify(prefix)}: use lower-case letters, digits and _ (max 40)`,
    );
  }
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export interface TestSchema {
  /** The schema's name, `${prefix}_<12 hex>`; quote-free (lower case, digits, _). */
  schema: string;
  /** `DROP SCHEMA IF EXISTS ... CASCADE`. Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named schema on the server at `url`, so concurrent and
 * earlier runs never see each other's tables.
 */
export async function createTestSchema(url: string, prefix = "t"): Promise<TestSchema> {
  checkPrefix(prefix);
  const schema = `${prefix}_${randomSuffix()}`;
  await withClient(url, (c) => c.query(`CREATE SCHEMA ${schema}`));
  let dropped = false;
  return {
    schema,
    async drop() {
      if (dropped) return;
      await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      dropped = true;
    },
  };
}

export interface TestDatabase {
  /** `url` with the database name replaced by `name`. */
  url: string;
  /** The database's name, `qts_test_<12 hex>`. */
  name: string;
  /** `DROP DATABASE IF EXISTS ... WITH (FORCE)` (ends open sessions). Idempotent. */
  drop(): Promise<void>;
}

/**
 * Creates a uniquely named database on the server at `url` (for tests that
 * need a whole database: extensions, migrations from scratch, ...).
 */
export async function createTestDatabase(url: string): Promise<TestDatabase> {
  const name = `qts_test_${randomSuffix()}`;
  await withClient(url, (c) => c.query(`CREATE DATABASE ${name}`));
  const dbUrl = new URL(url);
  dbUrl.pathname = `/${name}`;
  let dropped = false;
  return {
    url: dbUrl.toString(),
    name,
    async drop() {
      if (dropped) return;
      await withClient(url, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      dropped = true;
    },
  };
}
