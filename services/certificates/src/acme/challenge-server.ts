/**
 * Serves HTTP-01 key authorizations at /.well-known/acme-challenge/<token> (RFC 8555 §8.3)
 * while an order is being validated. Tokens are public by design; nothing else is served.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const PREFIX = '/.well-known/acme-challenge/';

export class ChallengeServer {
  private readonly tokens = new Map<string, string>();
  private server?: http.Server;

  set(token: string, keyAuthorization: string): void {
    this.tokens.set(token, keyAuthorization);
  }

  remove(token: string): void {
    this.tokens.delete(token);
  }

  async listen(host: string, port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      const url = req.url ?? '';
      const value = url.startsWith(PREFIX) ? this.tokens.get(url.slice(PREFIX.length)) : undefined;
      if (req.method !== 'GET' || value === undefined) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    const server = this.server;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
