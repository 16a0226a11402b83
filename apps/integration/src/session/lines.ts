import { closeSync, openSync, readSync } from "node:fs";

const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a file, read synchronously in 1 MiB chunks: memory stays bounded by the chunk and the longest
 * line, whatever the file's size. Yields `[lineNumber (1-based), text]` without the line break (`\n` or `\r\n`).
 */
export function* fileLines(path: string): Generator<[number, string]> {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new TextDecoder("utf-8", { fatal: false });
    let carry = "";
    let n = 0;
    for (;;) {
      const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
      const text = carry + decoder.decode(buffer.subarray(0, read), { stream: read > 0 });
      const parts = text.split("\n");
      carry = read > 0 ? (parts.pop() ?? "") : "";
      for (const p of parts) yield [++n, p.endsWith("\r") ? p.slice(0, -1) : p];
      if (read === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}
