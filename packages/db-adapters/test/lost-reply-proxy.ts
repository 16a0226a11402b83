import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of PostgreSQL that can lose one reply: when armed, the first server→client chunk
 * carrying a DataRow message ('D') is dropped and both sockets are destroyed — the statement has run and
 * committed on the server, the client only sees its connection terminated. That is the ambiguous outcome
 * (`DataSourceUnavailableError`, committed or not) a retry must get right.
 */
export class LostReplyProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #armed = false;
  dropped = 0;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<LostReplyProxy> {
    let proxy: LostReplyProxy | undefined;
    const server = createServer((client) => proxy!.#pipe(client, target));
    proxy = new LostReplyProxy(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === "string") throw new Error("proxy not listening");
    return address.port;
  }

  /** Loses the next reply that carries rows. */
  arm(): void {
    this.#armed = true;
  }

  get armed(): boolean {
    return this.#armed;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #pipe(client: Socket, target: { host: string; port: number }): void {
    const server = createConnection(target);
    for (const s of [client, server]) {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s));
      s.on("error", () => undefined);
    }
    const kill = () => {
      client.destroy();
      server.destroy();
    };
    client.on("close", kill);
    server.on("close", kill);
    client.on("data", (chunk) => server.write(chunk));
    server.on("data", (chunk) => {
      if (this.#armed && carriesDataRow(chunk)) {
        this.#armed = false;
        this.dropped++;
        kill();
        return;
      }
      client.write(chunk);
    });
  }
}

/** Whether a chunk of backend messages (type byte + int32 length + body, back to back) has a DataRow. */
function carriesDataRow(chunk: Buffer): boolean {
  let at = 0;
  while (at + 5 <= chunk.length) {
    if (chunk[at] === 0x44) return true; // 'D'
    at += 1 + chunk.readInt32BE(at + 1);
  }
  return false;
}
