/** Where a command writes; tests pass buffers. */
export interface Io {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean | undefined };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env };

export function println(stream: Io["stdout"], text = ""): void {
  stream.write(`${text}\n`);
}
