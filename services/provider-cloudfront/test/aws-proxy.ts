/**
 * A tiny HTTP proxy in front of moto for the tests: it records every AWS call (method,
 * path, If-Match, body) so a test can see the order of calls, and it can answer the next
 * N calls with CloudFront's throttling error (HTTP 400, code `Throttling`) to provoke it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  ifMatch?: string;
  body: string;
  throttled: boolean;
}

export interface AwsProxy {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  /** Answer the next `n` calls (whose "METHOD path" matches `filter`, if given) with a Throttling error. */
  throttleNext(n: number, filter?: RegExp, retryAfterSeconds?: number): void;
  /** Answer the next `n` matching calls with another CloudFront error, e.g. 400 InvalidArgument. */
  failNext(
    n: number,
    filter: RegExp,
    error: { status: number; code: string; message: string },
  ): void;
  close(): Promise<void>;
}

const errorXml = (code: string, message: string) =>
  '<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">' +
  `<Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error>` +
  '<RequestId>answered-by-test-proxy</RequestId></ErrorResponse>';
const THROTTLING = { status: 400, code: 'Throttling', message: 'Rate exceeded' };

export async function startAwsProxy(target: string): Promise<AwsProxy> {
  const upstream = new URL(target);
  const calls: RecordedCall[] = [];
  let throttle = {
    left: 0,
    filter: undefined as RegExp | undefined,
    retryAfter: undefined as number | undefined,
    error: THROTTLING,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const line = `${req.method} ${req.url}`;
      const throttled = throttle.left > 0 && (!throttle.filter || throttle.filter.test(line));
      calls.push({
        method: req.method ?? '',
        path: req.url ?? '',
        ifMatch: req.headers['if-match'] as string | undefined,
        body: body.toString('utf8'),
        throttled,
      });
      if (throttled) {
        throttle.left -= 1;
        const headers: Record<string, string> = { 'content-type': 'text/xml' };
        if (throttle.retryAfter !== undefined) headers['retry-after'] = String(throttle.retryAfter);
        res
          .writeHead(throttle.error.status, headers)
          .end(errorXml(throttle.error.code, throttle.error.message));
        return;
      }
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (err) => res.writeHead(502).end(String(err)));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    throttleNext: (n, filter, retryAfterSeconds) => {
      throttle = { left: n, filter, retryAfter: retryAfterSeconds, error: THROTTLING };
    },
    failNext: (n, filter, error) => {
      throttle = { left: n, filter, retryAfter: undefined, error };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
