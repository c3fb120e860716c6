/**
 * Akamai EdgeGrid request signing (EG1-HMAC-SHA256), written to the documented algorithm
 * (docs: services/provider-akamai/README.md, "EdgeGrid"). Pure: the clock and the nonce
 * are inputs, so the official test vectors run as unit tests (edgegrid.spec.ts).
 *
 * Not npm `akamai-edgegrid`: its client prefixes every host with `https://`, so it cannot
 * sign for (or talk to) the loopback `http://` fake the tests run against, and it sends
 * through axios callbacks rather than returning a header for our fetch.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';

export interface EdgeGridCredentials {
  clientToken: string;
  clientSecret: string;
  accessToken: string;
}

export interface SignInput {
  method: string;
  /** The full request URL as sent: its scheme, host (with port) and raw path+query are signed. */
  url: string;
  /** Hashed for POST only (the first `maxBody` bytes), as the algorithm says. */
  body?: string;
  credentials: EdgeGridCredentials;
  /** @default now */
  timestamp?: string;
  /** @default a fresh UUID */
  nonce?: string;
  /** @default 131072 */
  maxBody?: number;
}

export const MAX_BODY_BYTES = 131072;

/** `yyyyMMddTHH:mm:ss+0000` in UTC. */
export function edgeGridTimestamp(at: Date = new Date()): string {
  const iso = at.toISOString(); // 2014-03-21T19:34:21.123Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}+0000`;
}

const hmacBase64 = (key: string, data: string) =>
  createHmac('sha256', Buffer.from(key, 'utf8')).update(data, 'utf8').digest('base64');

export function contentHash(method: string, body: string | undefined, maxBody: number): string {
  if (method.toUpperCase() !== 'POST' || !body) return '';
  const bytes = Buffer.from(body, 'utf8').subarray(0, maxBody);
  return createHash('sha256').update(bytes).digest('base64');
}

/** The `Authorization` header value for one request. */
export function signRequest(input: SignInput): string {
  const timestamp = input.timestamp ?? edgeGridTimestamp();
  const nonce = input.nonce ?? randomUUID();
  const { clientToken, accessToken, clientSecret } = input.credentials;
  const prefix = `EG1-HMAC-SHA256 client_token=${clientToken};access_token=${accessToken};timestamp=${timestamp};nonce=${nonce};`;
  const url = new URL(input.url);
  const dataToSign = [
    input.method.toUpperCase(),
    url.protocol.replace(/:$/, ''),
    url.host,
    `${url.pathname}${url.search}`,
    '', // no headers are signed (Akamai's APIs require none)
    contentHash(input.method, input.body, input.maxBody ?? MAX_BODY_BYTES),
    prefix,
  ].join('\t');
  const signingKey = hmacBase64(clientSecret, timestamp);
  return `${prefix}signature=${hmacBase64(signingKey, dataToSign)}`;
}
