import {
  type JsonCell,
  type MajorDimension,
  SheetsApiError,
  type SheetsModel,
  sheetProperties,
  type ValueInputOption,
  type ValueRenderOption,
} from "./model.js";

/** The API method a request maps to, named as in the discovery document (`values.append`, ...). */
export type SheetsMethod =
  | "spreadsheets.create"
  | "spreadsheets.get"
  | "spreadsheets.batchUpdate"
  | "values.get"
  | "values.update"
  | "values.append"
  | "values.clear"
  | "values.batchGet"
  | "values.batchUpdate"
  | "values.batchClear";

export interface Route {
  method: SheetsMethod;
  /** Whether the call changes the spreadsheet (used by `afterApply` failure injection). */
  mutates: boolean;
  run(model: SheetsModel, query: URLSearchParams, body: unknown, ctx: RouteContext): unknown;
}

function bad(message: string): SheetsApiError {
  return new SheetsApiError(400, "INVALID_ARGUMENT", message);
}

function obj(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== "object" || Array.isArray(body)) throw bad("Invalid JSON payload received.");
  return body as Record<string, unknown>;
}

function inputOption(value: unknown): ValueInputOption {
  if (value === undefined || value === null || value === "") {
    throw bad("'valueInputOption' is required but not specified");
  }
  if (value !== "RAW" && value !== "USER_ENTERED") {
    throw bad(`Invalid value at 'value_input_option' (TYPE_ENUM), "${String(value)}"`);
  }
  return value;
}

function dimension(value: unknown): MajorDimension {
  if (value === undefined || value === null || value === "" || value === "ROWS") return "ROWS";
  if (value === "COLUMNS") return "COLUMNS";
  throw bad(`Invalid value at 'major_dimension' (TYPE_ENUM), "${String(value)}"`);
}

function renderOption(value: string | null): ValueRenderOption {
  if (value === null || value === "") return "FORMATTED_VALUE";
  if (value === "FORMATTED_VALUE" || value === "UNFORMATTED_VALUE" || value === "FORMULA") return value;
  throw bad(`Invalid value at 'value_render_option' (TYPE_ENUM), "${value}"`);
}

function valuesOf(body: Record<string, unknown>, where: string): JsonCell[][] {
  const values = body.values ?? [];
  if (!Array.isArray(values) || !values.every((r) => Array.isArray(r))) {
    throw bad(`Invalid value at '${where}.values': must be a list of lists`);
  }
  return values as JsonCell[][];
}

/** Matches a path below `/v4/spreadsheets` to a route; null when nothing matches. */
export function matchRoute(
  httpMethod: string,
  path: string,
): { route: Route; spreadsheetId: string; range: string } | null {
  const rest = path.replace(/^\/v4\/spreadsheets/, "");
  if (rest === path) return null;
  if (rest === "" || rest === "/") {
    return httpMethod === "POST" ? { route: CREATE, spreadsheetId: "", range: "" } : null;
  }
  const m = /^\/([^/:]+)(.*)$/.exec(rest);
  if (!m) return null;
  const spreadsheetId = decodeURIComponent(m[1] ?? "");
  const tail = m[2] ?? "";
  const key = `${httpMethod} ${tail}`;
  if (key === "GET " || key === "GET /") return { route: GET_SPREADSHEET, spreadsheetId, range: "" };
  if (key === "POST :batchUpdate") return { route: BATCH_UPDATE, spreadsheetId, range: "" };
  if (key === "GET /values:batchGet") return { route: VALUES_BATCH_GET, spreadsheetId, range: "" };
  if (key === "POST /values:batchUpdate") return { route: VALUES_BATCH_UPDATE, spreadsheetId, range: "" };
  if (key === "POST /values:batchClear") return { route: VALUES_BATCH_CLEAR, spreadsheetId, range: "" };
  const v = /^\/values\/(.+)$/.exec(tail);
  if (!v?.[1]) return null;
  let raw = v[1];
  let suffix = "";
  const s = /:(append|clear)$/.exec(raw);
  if (s) {
    suffix = s[1] ?? "";
    raw = raw.slice(0, -s[0].length);
  }
  const range = decodeURIComponent(raw);
  if (httpMethod === "GET" && suffix === "") return { route: VALUES_GET, spreadsheetId, range };
  if (httpMethod === "PUT" && suffix === "") return { route: VALUES_UPDATE, spreadsheetId, range };
  if (httpMethod === "POST" && suffix === "append") return { route: VALUES_APPEND, spreadsheetId, range };
  if (httpMethod === "POST" && suffix === "clear") return { route: VALUES_CLEAR, spreadsheetId, range };
  return null;
}

/** Filled in by the server: the spreadsheet id and the decoded range of the matched path. */
export interface RouteContext {
  spreadsheetId: string;
  range: string;
}

const CREATE: Route = {
  method: "spreadsheets.create",
  mutates: true,
  run(model, _q, body) {
    const b = obj(body);
    const props = obj(b.properties);
    const sheets = Array.isArray(b.sheets) ? b.sheets : [];
    const tabs = sheets.map((s, i) => String(obj(obj(s).properties).title ?? `Sheet${i + 1}`));
    const book = model.create(
      String(props.title ?? "Untitled spreadsheet"),
      tabs.length > 0 ? tabs : ["Sheet1"],
    );
    return model.resource(book.spreadsheetId);
  },
};

const GET_SPREADSHEET: Route = {
  method: "spreadsheets.get",
  mutates: false,
  run: (model, _q, _b, ctx) => model.resource(ctx.spreadsheetId),
};

const BATCH_UPDATE: Route = {
  method: "spreadsheets.batchUpdate",
  mutates: true,
  run(model, _q, body, ctx) {
    const id = ctx.spreadsheetId;
    const book = model.get(id);
    const requests = obj(body).requests;
    if (!Array.isArray(requests) || requests.length === 0) throw bad("Must specify at least one request.");
    const backup = structuredClone(book);
    try {
      const replies = requests.map((request, i) => {
        const r = obj(request);
        if (r.addSheet !== undefined) {
          const props = obj(obj(r.addSheet).properties) as {
            title?: string;
            sheetId?: number;
            gridProperties?: { rowCount?: number; columnCount?: number };
          };
          return { addSheet: { properties: sheetProperties(model.addSheet(id, props)) } };
        }
        if (r.deleteSheet !== undefined) {
          model.deleteSheet(id, Number(obj(r.deleteSheet).sheetId));
          return {};
        }
        if (r.deleteDimension !== undefined) {
          const range = obj(obj(r.deleteDimension).range);
          if (range.dimension !== "ROWS")
            throw bad(`Invalid requests[${i}].deleteDimension: only ROWS is emulated`);
          model.deleteRows(
            id,
            Number(range.sheetId ?? 0),
            Number(range.startIndex ?? 0),
            Number(range.endIndex),
          );
          return {};
        }
        throw bad(`Invalid requests[${i}]: request kind not emulated (${Object.keys(r).join(", ")})`);
      });
      return { spreadsheetId: id, replies };
    } catch (error) {
      Object.assign(book, backup);
      throw error;
    }
  },
};

const VALUES_GET: Route = {
  method: "values.get",
  mutates: false,
  run: (model, q, _b, ctx) =>
    model.getValues(ctx.spreadsheetId, ctx.range, {
      majorDimension: dimension(q.get("majorDimension")),
      valueRenderOption: renderOption(q.get("valueRenderOption")),
    }),
};

const VALUES_BATCH_GET: Route = {
  method: "values.batchGet",
  mutates: false,
  run(model, q, _b, ctx) {
    const opts = {
      majorDimension: dimension(q.get("majorDimension")),
      valueRenderOption: renderOption(q.get("valueRenderOption")),
    };
    const valueRanges = q.getAll("ranges").map((r) => model.getValues(ctx.spreadsheetId, r, opts));
    return { spreadsheetId: ctx.spreadsheetId, valueRanges };
  },
};

const VALUES_UPDATE: Route = {
  method: "values.update",
  mutates: true,
  run(model, q, body, ctx) {
    const b = obj(body);
    const option = inputOption(q.get("valueInputOption"));
    const res = model.updateValues(
      ctx.spreadsheetId,
      ctx.range,
      valuesOf(b, "data"),
      option,
      dimension(b.majorDimension),
    );
    return { spreadsheetId: ctx.spreadsheetId, ...res };
  },
};

const VALUES_APPEND: Route = {
  method: "values.append",
  mutates: true,
  run(model, q, body, ctx) {
    const b = obj(body);
    const option = inputOption(q.get("valueInputOption"));
    const insert = q.get("insertDataOption") ?? "OVERWRITE";
    if (insert !== "OVERWRITE" && insert !== "INSERT_ROWS") {
      throw bad(`Invalid value at 'insert_data_option' (TYPE_ENUM), "${insert}"`);
    }
    const { tableRange, ...updates } = model.appendValues(
      ctx.spreadsheetId,
      ctx.range,
      valuesOf(b, "data"),
      option,
      insert,
      dimension(b.majorDimension),
    );
    return {
      spreadsheetId: ctx.spreadsheetId,
      ...(tableRange === undefined ? {} : { tableRange }),
      updates: { spreadsheetId: ctx.spreadsheetId, ...updates },
    };
  },
};

const VALUES_CLEAR: Route = {
  method: "values.clear",
  mutates: true,
  run: (model, _q, _b, ctx) => ({
    spreadsheetId: ctx.spreadsheetId,
    clearedRange: model.clearValues(ctx.spreadsheetId, ctx.range),
  }),
};

const VALUES_BATCH_CLEAR: Route = {
  method: "values.batchClear",
  mutates: true,
  run(model, _q, body, ctx) {
    const ranges = obj(body).ranges;
    if (!Array.isArray(ranges)) throw bad("Invalid value at 'ranges'");
    return {
      spreadsheetId: ctx.spreadsheetId,
      clearedRanges: ranges.map((r) => model.clearValues(ctx.spreadsheetId, String(r))),
    };
  },
};

const VALUES_BATCH_UPDATE: Route = {
  method: "values.batchUpdate",
  mutates: true,
  run(model, _q, body, ctx) {
    const b = obj(body);
    const option = inputOption(b.valueInputOption);
    const data = b.data;
    if (!Array.isArray(data)) throw bad("Invalid value at 'data'");
    const book = model.get(ctx.spreadsheetId);
    const backup = structuredClone(book);
    try {
      const responses = data.map((d, i) => {
        const vr = obj(d);
        if (typeof vr.range !== "string") throw bad(`Invalid data[${i}]: range is required`);
        const res = model.updateValues(
          ctx.spreadsheetId,
          vr.range,
          valuesOf(vr, `data[${i}]`),
          option,
          dimension(vr.majorDimension),
        );
        return { spreadsheetId: ctx.spreadsheetId, ...res };
      });
      const sum = (k: "updatedRows" | "updatedColumns" | "updatedCells") =>
        responses.reduce((n, r) => n + r[k], 0);
      return {
        spreadsheetId: ctx.spreadsheetId,
        totalUpdatedRows: sum("updatedRows"),
        totalUpdatedColumns: sum("updatedColumns"),
        totalUpdatedCells: sum("updatedCells"),
        totalUpdatedSheets: new Set(responses.map((r) => r.updatedRange.split("!")[0])).size,
        responses,
      };
    } catch (error) {
      Object.assign(book, backup);
      throw error;
    }
  },
};
