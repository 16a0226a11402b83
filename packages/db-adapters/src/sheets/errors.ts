import { DataSourceError } from "@qts/contracts";
import { httpStatus } from "./retry.js";

/** Strips what could be a secret from a message: bearer tokens, access tokens, private keys, key JSON. */
export function redactSecrets(text: string): string {
  return text
    .replace(/-----BEGIN [^-]+-----[\s\S]*?(-----END [^-]+-----|$)/g, "[redacted key]")
    .replace(/\bBearer\s+\S+/gi, "Bearer [redacted]")
    .replace(/\bya29\.[\w.-]+/g, "[redacted token]")
    .replace(
      /("?(?:private_key|access_token|refresh_token|client_secret)"?\s*[:=]\s*)"?[^",}\s]+"?/gi,
      "$1[redacted]",
    );
}

function googleMessage(error: unknown): string {
  const data = (error as { response?: { data?: { error?: { message?: unknown } } } } | null)?.response?.data;
  const m = data?.error?.message;
  return redactSecrets(typeof m === "string" ? m : String((error as Error | null)?.message ?? error));
}

/**
 * One-line advice for an HTTP error that retrying cannot fix (400, 401, 403, 404, other 4xx): what to change,
 * naming the variable and the spreadsheet, with Google's message and no secret.
 */
export function fatalHttpError(
  source: string,
  what: string,
  spreadsheetId: string,
  error: unknown,
): DataSourceError {
  const status = httpStatus(error);
  const google = googleMessage(error);
  const fix =
    status === 401
      ? "Google rejected the credentials: check sheets.keyFile (QTS_SHEETS_KEY_FILE) or GOOGLE_APPLICATION_CREDENTIALS, or the auth client given"
      : status === 403
        ? `permission denied: share spreadsheet ${spreadsheetId} with the service account (editor) and enable the Google Sheets API for its project`
        : status === 404
          ? `spreadsheet ${spreadsheetId} not found: check sheets.spreadsheetId (QTS_SHEETS_SPREADSHEET_ID)`
          : `request rejected for spreadsheet ${spreadsheetId}`;
  return new DataSourceError(`${source}: ${what} failed (HTTP ${status}): ${fix} (Google: ${google})`, {
    source,
  });
}

/** A failure to obtain credentials before any request (no key file, unreadable key, no ADC): not retried. */
export class CredentialsError extends DataSourceError {}

/**
 * Wraps an error thrown while getting an access token. A network failure reaching the token endpoint stays
 * retryable (returned as is); everything else is a `CredentialsError` saying what to set.
 */
export function credentialsError(source: string, spreadsheetId: string, error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  const noResponse = httpStatus(error) === null;
  const network =
    noResponse &&
    typeof code === "string" &&
    /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|ENOTFOUND|EPIPE|UND_ERR_|ECONNABORTED)/.test(code);
  if (network) return error;
  const reason =
    error instanceof SyntaxError
      ? "the key file is not valid JSON"
      : code === "ENOENT"
        ? `the key file does not exist (${redactSecrets(String((error as Error).message).replace(/^ENOENT: /, ""))})`
        : googleMessage(error);
  return new CredentialsError(
    `${source}: no usable Google credentials for spreadsheet ${spreadsheetId}: ${reason}; set sheets.keyFile (QTS_SHEETS_KEY_FILE) to a service-account key file, or GOOGLE_APPLICATION_CREDENTIALS, or pass auth`,
    { source },
  );
}
