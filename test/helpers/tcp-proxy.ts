/** A loopback TCP proxy for fault tests: forwards to a target and can blackhole or reset its connections. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './free-port.js';

/** A running proxy. */
export class TcpProxy {
  readonly #sockets = new Set<Socket>();
  #blackholed = false;

  private constructor(
    readonly port: number,
    readonly server: Server,
  ) {}

  /** Starts a proxy on a free loopback port forwarding to `targetPort`. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new TcpProxy(port, server);
    server.on('connection', (client) => proxy.#pipe(client, targetPort));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  /** Stops forwarding bytes without closing anything, like a dead link (no RST, no FIN). */
  blackhole(): void {
    this.#blackholed = true;
  }

  /** Forwards again (new connections work; blackholed ones stay dead until their peers give up). */
  resume(): void {
    this.#blackholed = false;
  }

  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  #pipe(client: Socket, targetPort: number): void {
    if (this.#blackholed) {
      // A blackholed link accepts nothing: hold the socket open and never answer.
      this.#sockets.add(client);
      client.on('error', () => undefined);
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on('data', (chunk) => {
        if (!this.#blackholed) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.#sockets.delete(from);
        to.destroy();
      });
    }
  }
}
