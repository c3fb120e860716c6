/**
 * The fake's own EdgeGrid check, written separately from the adapter's signer
 * (services/provider-akamai/src/edgegrid.ts) so that a mistake in one cannot hide in the
 * other: both are held to the official vectors (fake-akamai.spec.ts, edgegrid.spec.ts).
 *
 * Server side, as the vendor doc describes it: parse `EG1-HMAC-SHA256 k=v;…;signature=s`,
 * recompute the signature over the raw request target, the Host header as received, the
 * scheme the fake is served on, and SHA-256 of the first 128 KiB of a POST body.
 */
import * as crypto from 'node:crypto';

export interface ClientCredentials {
  clientToken: string;
  clientSecret: string;
  accessToken: string;
}

export type Verdict =
  { ok: true; clientToken: string } | { ok: false; status: 401 | 400; detail: string };

export interface VerifyRequest {
  method: string;
  scheme: string;
  host: string;
  /** Raw request target (path and query as sent). */
  target: string;
  authorization: string | undefined;
  body: Buffer;
}

const HASHED_BODY_LIMIT = 128 * 1024;

function fields(header: string): Map<string, string> | undefined {
  const scheme = 'EG1-HMAC-SHA256 ';
  if (!header.startsWith(scheme)) return undefined;
  const out = new Map<string, string>();
  for (const part of header.slice(scheme.length).split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return out;
}

/** `20140321T19:34:21+0000` → epoch ms, or NaN. */
export function parseEdgeGridTimestamp(text: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2}):(\d{2}):(\d{2})\+0000$/.exec(text);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export function expectedSignature(
  secret: string,
  req: Omit<VerifyRequest, 'authorization'>,
  unsignedHeader: string,
  timestamp: string,
): string {
  const key = crypto.createHmac('sha256', secret).update(timestamp).digest('base64');
  const bodyHash =
    req.method.toUpperCase() === 'POST' && req.body.length > 0
      ? crypto.createHash('sha256').update(req.body.subarray(0, HASHED_BODY_LIMIT)).digest('base64')
      : '';
  const signed = `${req.method.toUpperCase()}\t${req.scheme}\t${req.host}\t${req.target}\t\t${bodyHash}\t${unsignedHeader}`;
  return crypto.createHmac('sha256', key).update(signed).digest('base64');
}

export function verifyEdgeGrid(
  req: VerifyRequest,
  clients: readonly ClientCredentials[],
  options: { now: number; skewMs: number },
): Verdict {
  const header = req.authorization;
  const parsed = header ? fields(header) : undefined;
  const signature = parsed?.get('signature');
  if (!header || !parsed || !signature)
    return { ok: false, status: 401, detail: 'The signature does not match' };
  const client = clients.find(
    (c) =>
      c.clientToken === parsed.get('client_token') && c.accessToken === parsed.get('access_token'),
  );
  if (!client) return { ok: false, status: 401, detail: 'Inactive client token' };
  const timestamp = parsed.get('timestamp') ?? '';
  const at = parseEdgeGridTimestamp(timestamp);
  if (Number.isNaN(at) || Math.abs(options.now - at) > options.skewMs)
    return { ok: false, status: 400, detail: 'Invalid timestamp' };
  const unsigned = header.slice(0, header.lastIndexOf('signature='));
  const expected = expectedSignature(client.clientSecret, req, unsigned, timestamp);
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b))
    return { ok: false, status: 401, detail: 'The signature does not match' };
  return { ok: true, clientToken: client.clientToken };
}
