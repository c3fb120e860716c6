/**
 * End to end: gateway, catalog, provisioning, provider-mock and the certificates service
 * as real processes, with a real pebble. A service with an https `sni` domain gets a
 * pebble-issued certificate before its provider is configured and reaches `deployed`
 * (and loses it when deleted);
 * the SSL certificate API (docs/behaviour.md §7, §10.7–10.8) answers for it; bad custom uploads
 * are 400s with clear messages.
 */
import {
  makeTempDir,
  startPebble,
  startProcess,
  startSuite,
  type Pebble,
  type RunningProcess,
  type Suite,
} from '@poppy/testing';
import { DAY, makeCa, makeLeaf } from '../src/test-certificates.test-helper';

const PROJECT = 'cert-e2e';

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('certificates end to end', () => {
  let pebble: Pebble;
  let certificates: RunningProcess;
  let suite: Suite;
  const unique = `c${process.pid}${Date.now().toString(36)}`;

  async function api(method: string, path: string, body?: unknown): Promise<Reply> {
    const res = await fetch(`${suite.baseUrl}${path}`, {
      method,
      headers: { 'X-Project-ID': PROJECT, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function until<T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 20_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(`timed out waiting for ${what}\n${certificates.output().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    pebble = await startPebble();
    certificates = await startProcess('certificates', {
      POPPY_CERTIFICATES_PORT: '0',
      POPPY_DATA_DIR: makeTempDir('certificates-e2e'),
      POPPY_ACME_DIRECTORY_URL: pebble.directoryUrl,
      POPPY_ACME_CA_FILE: pebble.listenerCaFile,
      POPPY_ACME_HTTP_PORT: String(pebble.challengeHttpPort),
    });
    suite = await startSuite({
      env: { POPPY_CERTIFICATES_ADDRESS: `127.0.0.1:${certificates.port}` },
      provisioning: { env: { POPPY_RECONCILE_INTERVAL_MS: '0' } },
    });
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
    await certificates?.stop();
    await pebble?.stop();
  });

  it('a service with an https sni domain gets a pebble-issued certificate and reaches deployed', async () => {
    const domain = `secure.${unique}.com`;
    const created = await api('POST', '/v1.0/services', {
      name: 'tls',
      domains: [{ domain, protocol: 'https', certificate: 'sni' }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'mock',
    });
    expect(created.status).toBe(202);
    const id = (await api('GET', '/v1.0/services')).body.services[0].id as string;
    const service = await until('the service to be deployed', async () => {
      const reply = await api('GET', `/v1.0/services/${id}`);
      if (reply.body.status === 'failed')
        throw new Error(`service failed: ${JSON.stringify(reply.body.errors)}`);
      return reply.body.status === 'deployed' ? reply.body : undefined;
    });
    expect(service.domains).toEqual([
      { domain, protocol: 'https', certificate: 'sni', certificate_status: 'deployed' },
    ]);

    const cert = await api('GET', `/v1.0/ssl_certificate/${domain}`);
    expect(cert.status).toBe(200);
    expect(cert.body).toMatchObject({
      domain_name: domain,
      cert_type: 'sni',
      flavor_id: 'mock',
      project_id: PROJECT,
      status: 'deployed',
    });
    expect(cert.body.cert_details.ACME.extra_info.status).toBe('deployed');
    expect(new Date(cert.body.not_after).getTime()).toBeGreaterThan(Date.now());
    expect(JSON.stringify(cert.body)).not.toMatch(/PRIVATE KEY/);

    const listed = await api('GET', '/v1.0/admin/certificates?status=deployed');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(expect.arrayContaining([{ domain_name: domain }]));

    // docs/behaviour.md D-10: deleting the service removes its managed certificate.
    expect((await api('DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    await until('the service and its certificate to be gone', async () =>
      (await api('GET', `/v1.0/services/${id}`)).status === 404 &&
      (await api('GET', `/v1.0/ssl_certificate/${domain}`)).status === 404
        ? true
        : undefined,
    );
  }, 40_000);

  it('POST /ssl_certificate issues a managed certificate (202), refuses it twice, and the admin can change its status', async () => {
    const domain = `www.${unique}.org`;
    const body = { flavor_id: 'mock', cert_type: 'san', domain_name: domain, project_id: PROJECT };
    expect((await api('POST', '/v1.0/ssl_certificate', body)).status).toBe(202);
    await until('deployed', async () =>
      (await api('GET', `/v1.0/ssl_certificate/${domain}`)).body.status === 'deployed'
        ? true
        : undefined,
    );
    const again = await api('POST', '/v1.0/ssl_certificate', body);
    expect(again).toEqual({
      status: 400,
      body: {
        message: `Provisioning ssl certificate failed. Reason: Certificate already exists for ${domain} `,
      },
    });

    const patched = await api('PATCH', `/v1.0/admin/certificates/${domain}`, [
      { op: 'replace', path: 'status', value: 'cancelled' },
    ]);
    expect(patched.status).toBe(204);
    expect((await api('GET', `/v1.0/ssl_certificate/${domain}`)).body.status).toBe('cancelled');
    expect(
      (
        await api('PATCH', `/v1.0/admin/certificates/${domain}`, [
          { op: 'replace', path: 'status', value: 'gone' },
        ])
      ).status,
    ).toBe(400);
    expect((await api('GET', '/v1.0/admin/certificates?status=weird')).status).toBe(400);

    expect((await api('DELETE', `/v1.0/ssl_certificate/${domain}?cert_type=san`)).status).toBe(202);
    expect((await api('GET', `/v1.0/ssl_certificate/${domain}`)).status).toBe(404);
    expect((await api('DELETE', `/v1.0/ssl_certificate/${domain}?cert_type=san`)).status).toBe(404);
  }, 30_000);

  it('refuses an unknown flavor with the reference message', async () => {
    const reply = await api('POST', '/v1.0/ssl_certificate', {
      flavor_id: 'nope',
      cert_type: 'san',
      domain_name: `x.${unique}.net`,
      project_id: PROJECT,
    });
    expect(reply).toEqual({
      status: 400,
      body: {
        message:
          "Provisioning ssl certificate failed. Reason: Could not find a flavor with the id 'nope'",
      },
    });
  });

  describe('custom uploads', () => {
    it('refuses an expired certificate and a mismatched key with 400 and a clear message; a good one is deployed at once', async () => {
      const ca = await makeCa();
      const domain = `shop.${unique}.com`;
      const upload = (certificate: string, private_key: string) =>
        api('POST', '/v1.0/ssl_certificate', {
          flavor_id: 'mock',
          cert_type: 'custom',
          domain_name: domain,
          project_id: PROJECT,
          certificate,
          private_key,
        });

      const expired = await makeLeaf(ca, {
        names: [domain],
        notBefore: new Date(Date.now() - 30 * DAY),
        notAfter: new Date(Date.now() - DAY),
      });
      const r1 = await upload(expired.pem + ca.pem, expired.keyPem);
      expect(r1.status).toBe(400);
      expect(r1.body.message).toMatch(
        /^Provisioning ssl certificate failed\. Reason: The certificate expired on \d{4}-/,
      );

      const good = await makeLeaf(ca, { names: [domain] });
      const other = await makeLeaf(ca, { names: [domain] });
      const r2 = await upload(good.pem + ca.pem, other.keyPem);
      expect(r2).toEqual({
        status: 400,
        body: {
          message:
            'Provisioning ssl certificate failed. Reason: The private key does not match the certificate (the first certificate of the chain)',
        },
      });
      expect(JSON.stringify(r2.body)).not.toContain(other.keyPem.split('\n')[1]);

      const wrongHost = await makeLeaf(ca, { names: ['elsewhere.example.net'] });
      const r3 = await upload(wrongHost.pem, wrongHost.keyPem);
      expect(r3.body.message).toBe(
        `Provisioning ssl certificate failed. Reason: The certificate does not cover ${domain}: it is for elsewhere.example.net`,
      );

      expect((await upload(good.pem + ca.pem, good.keyPem)).status).toBe(202);
      const stored = await api('GET', `/v1.0/ssl_certificate/${domain}`);
      expect(stored.body).toMatchObject({ cert_type: 'custom', status: 'deployed' });
      expect(JSON.stringify(stored.body)).not.toMatch(/PRIVATE KEY/);
      expect(certificates.output()).not.toMatch(/PRIVATE KEY/);
    });

    it('refuses key fields on a managed type, and a custom type without them', async () => {
      const r = await api('POST', '/v1.0/ssl_certificate', {
        flavor_id: 'mock',
        cert_type: 'san',
        domain_name: `k.${unique}.com`,
        project_id: PROJECT,
        private_key: 'x',
      });
      expect(r.status).toBe(400);
      expect(r.body.message).toMatch(/accepted only with cert_type custom/);
      const c = await api('POST', '/v1.0/ssl_certificate', {
        flavor_id: 'mock',
        cert_type: 'custom',
        domain_name: `k.${unique}.com`,
        project_id: PROJECT,
      });
      expect(c.body.message).toMatch(/cert_type custom needs "certificate"/);
    });
  });
});
