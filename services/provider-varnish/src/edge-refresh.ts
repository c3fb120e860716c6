/**
 * The soft purge's refresh request: GET <url> on the edge's HTTP port with the service
 * domain as Host and the adapter's token in `X-Poppy-Refresh`, which makes the VCL fetch
 * the object again from the origin (`req.hash_always_miss`). node:http rather than fetch,
 * which may not set Host.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { EdgeRefresh } from './varnish-driver';
import { EdgeHttpError } from './varnish-errors';

/** The refresh token, derived from the management secret (same on every adapter replica, never configured twice). */
export function refreshTokenFrom(secretFile: string): string {
  return createHash('sha256')
    .update('poppy-refresh:')
    .update(fs.readFileSync(secretFile))
    .digest('hex')
    .slice(0, 32);
}

export function httpEdgeRefresh(
  edge: { host: string; port: number },
  timeoutMs = 10_000,
): EdgeRefresh {
  return (host, url, token) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: edge.host,
          port: edge.port,
          method: 'GET',
          path: url,
          headers: { host, 'x-poppy-refresh': token },
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.once('end', () => resolve(res.statusCode ?? 0));
          res.once('error', (e) =>
            reject(new EdgeHttpError(`refresh of ${host}${url}: ${e.message}`, { cause: e })),
          );
        },
      );
      req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.once('error', (e) =>
        reject(new EdgeHttpError(`refresh of ${host}${url}: ${e.message}`, { cause: e })),
      );
      req.end();
    });
}
