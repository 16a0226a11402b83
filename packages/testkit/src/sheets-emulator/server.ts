import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Cell, type JsonCell, SheetsApiError, SheetsModel } from "./model.js";
import { QuotaCounter, type QuotaOptions, quotaErrorBody } from "./quota.js";
import { matchRoute, type SheetsMethod } from "./routes.js";

export type InjectedStatus = 400 | 401 | 403 | 404 | 429 | 500 | 502 | 503 | "reset" | "hold";

export interface FailureRule {
  /**
   * HTTP status to answer with (Google's message for it), `"reset"` to destroy the connection (a network
   * error), or `"hold"`: keep the request `holdMs`, then apply it and answer if the client is still there
   * (a write Google applies after the client gave up).
   */
  status: InjectedStatus;
  /** How long `"hold"` keeps the request before applying it (default 2000 ms). */
  holdMs?: number;
  /** How many matching requests fail (default 1; `Infinity` until `clearFailures()`). */
  count?: number;
  /** Only these API methods fail (default: all). */
  methods?: readonly SheetsMethod[];
  /** Apply the request, then answer with the failure (an ambiguous outcome, like a timeout after commit). */
  afterApply?: boolean;
  /** Adds a `Retry-After` header (seconds). */
  retryAfterSeconds?: number;
}

export interface RequestLogEntry {
  readonly method: SheetsMethod | "unknown";
  readonly httpMethod: string;
  readonly path: string;
  readonly status: number | "reset";
  readonly injected: boolean;
  /** Refused with 429 by the per-minute quota (`quota` option). */
  readonly quota?: "read" | "write";
  /** `valueInputOption` of a write (query or body), when it had one. */
  readonly valueInputOption?: string;
  readonly at: number;
}

export interface StartSheetsEmulatorOptions {
  /** Port to listen on (default: a free one). Always binds 127.0.0.1. */
  port?: number;
  /** Require `Authorization: Bearer <token>`; by default any bearer token is accepted, but one is required. */
  token?: string;
  /**
   * Unknown spreadsheet ids are created (empty, one `Sheet1` tab) on first use, so a test may pick any id
   * (default true). `false` answers 404 NOT_FOUND as Google does.
   */
  autoCreate?: boolean;
  /** Per-minute read/write quotas, enforced with Google's 429 body (default: none). */
  quota?: QuotaOptions;
  /** Delay before each response, in milliseconds (default 0; `setLatency` changes it). */
  latencyMs?: number;
}

export interface SheetsEmulator {
  /** `http://127.0.0.1:PORT/`: give it to the client as `rootUrl`. */
  readonly rootUrl: string;
  readonly port: number;
  /** A spreadsheet created at start (one `Sheet1` tab), for tests that need just one. */
  readonly spreadsheetId: string;
  /** Every request received, in order. */
  readonly requestLog: RequestLogEntry[];
  /** Creates a spreadsheet (tabs default to `Sheet1`) and returns its id. */
  createSpreadsheet(opts?: { title?: string; tabs?: readonly string[]; spreadsheetId?: string }): string;
  /** Tab titles of a spreadsheet, in order. */
  tabs(spreadsheetId: string): string[];
  /** A tab's values as the API returns them with `valueRenderOption: FORMULA` (formulas as their `=` text). */
  getSheetValues(spreadsheetId: string, tab: string): JsonCell[][];
  /** A tab's stored cells: strings, numbers, booleans, or `{ formula }` objects (trailing empties trimmed). */
  getCells(spreadsheetId: string, tab: string): (Cell | undefined)[][];
  /** Writes cells directly (as a human would type them with USER_ENTERED, or RAW). */
  setValues(spreadsheetId: string, a1: string, values: JsonCell[][], input?: "RAW" | "USER_ENTERED"): void;
  /** Queues failures for the next matching requests. */
  injectFailures(rule: FailureRule): void;
  clearFailures(): void;
  /** Delay before each response, in milliseconds. */
  setLatency(ms: number): void;
  /** Changes the quotas (only the fields given). */
  setQuota(quota: QuotaOptions): void;
  /** Requests refused by the quota so far. */
  readonly quotaRejections: number;
  /** Requests answered with an injected failure so far. */
  readonly injectedFailures: number;
  /** Count of log entries per API method (optionally only successful ones). */
  countRequests(method?: SheetsMethod, opts?: { succeededOnly?: boolean }): number;
  close(): Promise<void>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Google's messages for the injectable errors. */
const INJECTED_MESSAGE: Record<number, string> = {
  400: "Request contains an invalid argument.",
  401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
  403: "The caller does not have permission",
  404: "Requested entity was not found.",
  429: "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com'.",
  500: "Internal error encountered.",
};

const STATUS_TEXT: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
};

function sendError(
  res: ServerResponse,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, code, { error: { code, message, status: STATUS_TEXT[code] ?? "UNKNOWN" } }, headers);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SheetsApiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Starts a local Google Sheets v4 API emulator on 127.0.0.1 (the subset the QTS adapter uses, with Google's
 * request/response and error shapes). Point the googleapis client at it with `rootUrl`.
 */
export async function startSheetsEmulator(opts: StartSheetsEmulatorOptions = {}): Promise<SheetsEmulator> {
  const model = new SheetsModel();
  const autoCreate = opts.autoCreate ?? true;
  const defaultId = model.create("QTS test spreadsheet").spreadsheetId;
  const requestLog: RequestLogEntry[] = [];
  let rules: (FailureRule & { remaining: number })[] = [];
  let latencyMs = Math.max(0, opts.latencyMs ?? 0);
  const quota = new QuotaCounter(Date.now(), opts.quota);
  let injected = 0;

  function takeFailure(method: SheetsMethod): (FailureRule & { remaining: number }) | null {
    const rule = rules.find((r) => r.remaining > 0 && (!r.methods || r.methods.includes(method)));
    if (!rule) return null;
    rule.remaining--;
    rules = rules.filter((r) => r.remaining > 0);
    return rule;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const httpMethod = req.method ?? "GET";
    const body = await readBody(req).catch((e: unknown) => e);
    const option =
      url.searchParams.get("valueInputOption") ??
      (body as { valueInputOption?: unknown } | undefined)?.valueInputOption;
    const log = (method: SheetsMethod | "unknown", status: number | "reset", inj = false) =>
      requestLog.push({
        method,
        httpMethod,
        path: url.pathname + url.search,
        status,
        injected: inj,
        ...(typeof option === "string" ? { valueInputOption: option } : {}),
        at: Date.now(),
      });
    const match = matchRoute(httpMethod, url.pathname);
    // Quotas count requests as they arrive; an API method we do not know is not counted.
    const over = match ? quota.admit(match.route.mutates) : null;
    if (latencyMs > 0) await sleep(latencyMs);
    if (!match) {
      log("unknown", 404);
      sendError(res, 404, `Method not found: ${httpMethod} ${url.pathname}`);
      return;
    }
    const { route } = match;
    const auth = req.headers.authorization ?? "";
    if (!/^Bearer \S+/.test(auth) || (opts.token !== undefined && auth !== `Bearer ${opts.token}`)) {
      log(route.method, 401);
      sendError(
        res,
        401,
        "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
      );
      return;
    }
    if (over) {
      requestLog.push({
        method: route.method,
        httpMethod,
        path: url.pathname + url.search,
        status: 429,
        injected: false,
        quota: over,
        at: Date.now(),
      });
      sendJson(res, 429, quotaErrorBody(over));
      return;
    }
    const failure = takeFailure(route.method);
    const fail = (rule: FailureRule & { status: Exclude<InjectedStatus, "hold"> }) => {
      injected++;
      log(route.method, rule.status, true);
      if (rule.status === "reset") {
        req.socket.destroy();
        return;
      }
      const headers: Record<string, string> =
        rule.retryAfterSeconds === undefined ? {} : { "retry-after": String(rule.retryAfterSeconds) };
      sendError(
        res,
        rule.status,
        INJECTED_MESSAGE[rule.status] ?? "The service is currently unavailable.",
        headers,
      );
    };
    const held = failure?.status === "hold";
    if (held) {
      injected++;
      await sleep(failure?.holdMs ?? 2000);
    } else if (failure && failure.status !== "hold" && !(failure.afterApply && route.mutates)) {
      fail({ ...failure, status: failure.status });
      return;
    }
    try {
      if (body instanceof Error) throw body;
      if (autoCreate && match.spreadsheetId !== "" && !model.spreadsheets.has(match.spreadsheetId)) {
        model.create("Untitled spreadsheet", ["Sheet1"], match.spreadsheetId);
      }
      const result = route.run(model, url.searchParams, body, {
        spreadsheetId: match.spreadsheetId,
        range: match.range,
      });
      if (failure && failure.status !== "hold") {
        fail({ ...failure, status: failure.status });
        return;
      }
      log(route.method, 200, held);
      if (!res.destroyed) sendJson(res, 200, result);
    } catch (error) {
      if (error instanceof SheetsApiError) {
        log(route.method, error.code);
        sendError(res, error.code, error.message);
        return;
      }
      log(route.method, 500);
      sendError(res, 500, `Emulator bug: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `Emulator bug: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    rootUrl: `http://127.0.0.1:${port}/`,
    port,
    spreadsheetId: defaultId,
    requestLog,
    createSpreadsheet(o = {}) {
      return model.create(o.title, o.tabs ?? ["Sheet1"], o.spreadsheetId).spreadsheetId;
    },
    tabs: (id) => model.get(id).sheets.map((s) => s.title),
    getSheetValues(id, tab) {
      if (!model.get(id).sheets.some((s) => s.title === tab)) throw new Error(`No tab "${tab}" in ${id}`);
      const quoted = `'${tab.replace(/'/g, "''")}'`;
      return model.getValues(id, quoted, { valueRenderOption: "FORMULA" }).values ?? [];
    },
    getCells: (id, tab) => model.cells(id, tab),
    setValues(id, a1, values, input = "USER_ENTERED") {
      model.updateValues(id, a1, values, input);
    },
    injectFailures(rule) {
      rules.push({ ...rule, remaining: rule.count ?? 1 });
    },
    clearFailures() {
      rules = [];
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    setQuota(q) {
      quota.set(q);
    },
    get quotaRejections() {
      return quota.rejected;
    },
    get injectedFailures() {
      return injected;
    },
    countRequests(method, o = {}) {
      return requestLog.filter(
        (e) => (method === undefined || e.method === method) && (!o.succeededOnly || e.status === 200),
      ).length;
    },
    async close() {
      rules = [];
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
