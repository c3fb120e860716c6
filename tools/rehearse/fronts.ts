/**
 * What Kubernetes Services do for the rehearsal, on loopback: a round-robin TCP front (a
 * ClusterIP Service in front of gRPC replicas: a connection goes to the next backend that
 * accepts it) and a round-robin HTTP front for the gateways (an ingress proxy that, like
 * Envoy's `retry_on: connect-failure,reset,503`, sends a request again to another gateway when
 * the one it chose refused it, dropped it or answered 502/503).
 */
import http from 'node:http';
import net from 'node:net';

abstract class RoundRobin {
  protected backends: number[] = [];
  private next = 0;

  /** The backend ports, in the order they are used. */
  setBackends(ports: number[]): void {
    this.backends = [...ports];
  }

  add(port: number): void {
    this.backends.push(port);
  }

  remove(port: number): void {
    this.backends = this.backends.filter((p) => p !== port);
  }

  /** The next backend in turn, skipping those in `avoid` while there are others. */
  protected pick(avoid: ReadonlySet<number> = new Set()): number | undefined {
    if (this.backends.length === 0) return undefined;
    for (let i = 0; i < this.backends.length; i++) {
      this.next = (this.next + 1) % this.backends.length;
      if (!avoid.has(this.backends[this.next]!)) return this.backends[this.next];
    }
    return this.backends[this.next];
  }
}

export class TcpFront extends RoundRobin {
  private readonly sockets = new Set<net.Socket>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {
    super();
  }

  static async start(): Promise<TcpFront> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const front = new TcpFront(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => front.accept(client));
    return front;
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.pause();
    client.on('error', () => undefined);
    client.on('close', () => this.sockets.delete(client));
    const tried = new Set<number>();
    const attempt = () => {
      const port = this.pick();
      if (port === undefined || tried.has(port)) return client.destroy();
      tried.add(port);
      const upstream = net.connect({ host: '127.0.0.1', port });
      let connected = false;
      upstream.on('error', () => (connected ? client.destroy() : attempt()));
      upstream.once('connect', () => {
        connected = true;
        this.sockets.add(upstream);
        upstream.on('close', () => {
          this.sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt();
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export class HttpFront extends RoundRobin {
  /** Requests sent again to another gateway. */
  retries = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
    private readonly attempts: number,
  ) {
    super();
  }

  static async start(options: { attempts?: number } = {}): Promise<HttpFront> {
    // Idle client connections stay open longer than any client keeps one, so a client never
    // reuses a socket the front is closing at that moment (a reset that is the rehearsal's own).
    const server = http.createServer({ keepAliveTimeout: 65_000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const front = new HttpFront(
      server,
      (server.address() as net.AddressInfo).port,
      options.attempts ?? 4,
    );
    server.on('request', (req, res) => void front.handle(req, res));
    return front;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const failed = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      const port = this.pick(failed);
      const last = attempt >= this.attempts;
      const answer = port === undefined ? undefined : await this.forward(port, req, body);
      const retryable = !answer || answer.status === 502 || answer.status === 503;
      if (retryable && !last) {
        if (port !== undefined) failed.add(port);
        this.retries++;
        await new Promise((r) => setTimeout(r, 100 * attempt));
        continue;
      }
      if (!answer) {
        res.writeHead(502).end();
        return;
      }
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
  }

  private forward(
    port: number,
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer } | undefined> {
    return new Promise((resolve) => {
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: `127.0.0.1:${this.port}` },
          agent: this.agent,
          // Generous: a create's Paxos rounds and the store's timeouts during a fault add up;
          // only an idle socket this long counts as dead.
          timeout: 30_000,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: Buffer.concat(parts),
            }),
          );
          answer.on('error', () => resolve(undefined));
        },
      );
      upstream.on('timeout', () => upstream.destroy());
      upstream.on('error', () => resolve(undefined));
      upstream.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
