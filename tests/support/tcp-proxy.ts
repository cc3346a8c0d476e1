import net from "node:net";

/**
 * A TCP proxy in front of a real database server, which a test can make refuse connections (an outage as clients
 * see it: connections drop, new ones are refused) and accept them again, without stopping the server for others.
 */
export interface TcpProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url(databaseUrl: string): string;
  /** Drops every connection and refuses new ones (the port is closed: ECONNREFUSED). */
  refuse(): Promise<void>;
  /**
   * Drops every connection and refuses new ones as soon as a client sends `text` (e.g. a query of a connection's
   * start-up): an outage that begins at that exact moment. Resolves when it has.
   */
  refuseOnClientText(text: string): Promise<void>;
  /** Accepts connections again, on the same port. */
  accept(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamUrl: string): Promise<TcpProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  let server: net.Server;
  let port = 0;
  let trigger: { text: string; fire(): void } | null = null;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = net.createServer((client) => {
        const to = net.connect(Number(upstream.port || 5432), upstream.hostname);
        track(client);
        track(to);
        client.on("data", (chunk: Buffer) => {
          if (trigger && chunk.includes(trigger.text)) trigger.fire();
        });
        client.pipe(to).pipe(client);
        client.on("close", () => to.destroy());
        to.on("close", () => client.destroy());
      });
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  await listen();
  return {
    url(databaseUrl) {
      const url = new URL(databaseUrl);
      url.hostname = "127.0.0.1";
      url.port = String(port);
      return url.toString();
    },
    refuse: stop,
    refuseOnClientText(text) {
      return new Promise<void>((resolve) => {
        trigger = {
          text,
          fire() {
            trigger = null;
            void stop().then(resolve);
          },
        };
      });
    },
    accept: listen,
    close: stop,
  };
}
