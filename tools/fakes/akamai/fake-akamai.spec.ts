/**
 * The fake's EdgeGrid verifier against the official vectors, and the fake over HTTP: a
 * correctly signed request is accepted, a tampered one gets Akamai's 401. (That the
 * adapter's own signer agrees is shown by services/provider-akamai's int-specs.)
 */
import { randomUUID } from 'node:crypto';
import { expectedSignature, verifyEdgeGrid, type ClientCredentials } from './edgegrid-verifier';
import { FAKE_CREDENTIALS, FakeAkamai } from './fake-akamai';

/** A client's Authorization header, built from the documented steps with the verifier's hash. */
function signRequest(input: {
  method: string;
  url: string;
  body?: string;
  credentials: ClientCredentials;
}): string {
  const iso = new Date().toISOString();
  const timestamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 19)}+0000`;
  const { clientToken, accessToken, clientSecret } = input.credentials;
  const unsigned = `EG1-HMAC-SHA256 client_token=${clientToken};access_token=${accessToken};timestamp=${timestamp};nonce=${randomUUID()};`;
  const url = new URL(input.url);
  const req = {
    method: input.method,
    scheme: url.protocol.slice(0, -1),
    host: url.host,
    target: `${url.pathname}${url.search}`,
    body: Buffer.from(input.body ?? ''),
  };
  return `${unsigned}signature=${expectedSignature(clientSecret, req, unsigned, timestamp)}`;
}

const HOST = 'akaa-baseurl-xxxxxxxxxxx-xxxxxxxxxxxxx.luna.akamaiapis.net';
const SECRET = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=';
const PREFIX =
  'EG1-HMAC-SHA256 client_token=akab-client-token-xxx-xxxxxxxxxxxxxxxx;access_token=akab-access-token-xxx-xxxxxxxxxxxxxxxx;timestamp=20140321T19:34:21+0000;nonce=nonce-xx-xxxx-xxxx-xxxx-xxxxxxxxxxxx;';
const TS = '20140321T19:34:21+0000';

describe('the fake EdgeGrid verifier', () => {
  it('computes the official vectors', () => {
    const get = { method: 'GET', scheme: 'https', host: HOST, target: '/', body: Buffer.alloc(0) };
    expect(expectedSignature(SECRET, get, PREFIX, TS)).toBe(
      'tL+y4hxyHxgWVD30X3pWnGKHcPzmrIF+LThiAOhMxYU=',
    );
    const post = {
      method: 'POST',
      scheme: 'https',
      host: HOST,
      target: '/testapi/v1/t3',
      body: Buffer.from('datadatadatadatadatadatadatadata'),
    };
    expect(expectedSignature(SECRET, post, PREFIX, TS)).toBe(
      'hXm4iCxtpN22m4cbZb4lVLW5rhX8Ca82vCFqXzSTPe4=',
    );
  });

  it('accepts a signed request and refuses a changed path, secret or stale timestamp', () => {
    const url = 'http://127.0.0.1:8080/papi/v1/properties?contractId=c&groupId=g';
    const authorization = signRequest({ method: 'GET', url, credentials: FAKE_CREDENTIALS });
    const req = {
      method: 'GET',
      scheme: 'http',
      host: '127.0.0.1:8080',
      target: '/papi/v1/properties?contractId=c&groupId=g',
      authorization,
      body: Buffer.alloc(0),
    };
    const now = { now: Date.now(), skewMs: 60_000 };
    expect(verifyEdgeGrid(req, [FAKE_CREDENTIALS], now)).toEqual({
      ok: true,
      clientToken: FAKE_CREDENTIALS.clientToken,
    });
    expect(
      verifyEdgeGrid({ ...req, target: '/papi/v1/properties' }, [FAKE_CREDENTIALS], now),
    ).toEqual({ ok: false, status: 401, detail: 'The signature does not match' });
    expect(
      verifyEdgeGrid(req, [{ ...FAKE_CREDENTIALS, clientSecret: 'other' }], now),
    ).toMatchObject({ ok: false, status: 401 });
    expect(verifyEdgeGrid(req, [{ ...FAKE_CREDENTIALS, accessToken: 'other' }], now)).toEqual({
      ok: false,
      status: 401,
      detail: 'Inactive client token',
    });
    expect(
      verifyEdgeGrid(req, [FAKE_CREDENTIALS], { now: Date.now() + 3_600_000, skewMs: 60_000 }),
    ).toEqual({ ok: false, status: 400, detail: 'Invalid timestamp' });
  });
});

describe('the Akamai fake over HTTP', () => {
  let fake: FakeAkamai;
  beforeAll(async () => {
    fake = await new FakeAkamai().start();
  });
  afterAll(() => fake.stop());

  const signed = (method: string, path: string, body?: unknown, credentials = FAKE_CREDENTIALS) => {
    const url = `${fake.baseUrl}${path}`;
    const text = body === undefined ? undefined : JSON.stringify(body);
    return fetch(url, {
      method,
      body: text,
      headers: {
        'content-type': 'application/json',
        authorization: signRequest({ method, url, body: text, credentials }),
      },
    });
  };

  it('answers a signed request and refuses a bad signature with the 401 problem details', async () => {
    const scope = `contractId=${fake.contractId}&groupId=${fake.groupId}`;
    const ok = await signed('POST', `/papi/v1/properties?${scope}`, {
      productId: 'prd_Fresca',
      propertyName: 'poppy-x',
    });
    expect(ok.status).toBe(201);
    expect(((await ok.json()) as { propertyLink: string }).propertyLink).toMatch(
      /^\/papi\/v1\/properties\/prp_\d+\?/,
    );
    const bad = await signed('GET', `/papi/v1/properties?${scope}`, undefined, {
      ...FAKE_CREDENTIALS,
      clientSecret: 'wrong',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(await bad.json()).toMatchObject({
      type: 'https://problems.luna.akamaiapis.net/-/pep-authn/deny',
      title: 'Not authorized',
      status: 401,
      detail: 'The signature does not match',
    });
    expect(fake.propertyByName('poppy-x')).toBeDefined();
  });

  it('refuses requests over its rate limit with 429 and X-RateLimit-Next, and counts them', async () => {
    const limited = await new FakeAkamai({ rateLimit: { perSecond: 1, burst: 2 } }).start();
    try {
      const url = `${limited.baseUrl}/papi/v1/properties?contractId=${limited.contractId}&groupId=${limited.groupId}`;
      const statuses: number[] = [];
      let next: string | null = null;
      for (let i = 0; i < 3; i++) {
        const res = await fetch(url, {
          headers: {
            authorization: signRequest({ method: 'GET', url, credentials: FAKE_CREDENTIALS }),
          },
        });
        statuses.push(res.status);
        if (res.status === 429) next = res.headers.get('x-ratelimit-next');
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Date.parse(next!)).toBeGreaterThan(Date.now());
      expect(limited.refused).toBe(1);
    } finally {
      await limited.stop();
    }
  });
});
