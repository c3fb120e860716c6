/**
 * The suite as `npm start` runs it: the certificates service with its local issuer (no
 * ACME server), reached by the gateway and provisioning. The SSL certificate routes work
 * on one machine.
 */
import { startSuite, type Suite } from '@poppy/testing';

const PROJECT = 'cert-local';

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

describe('certificates on embedded defaults (local issuer)', () => {
  let suite: Suite;
  const unique = `l${process.pid}${Date.now().toString(36)}`;

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
    timeoutMs = 15_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${what}\n${suite.certificates!.output().slice(-2000)}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    suite = await startSuite({
      certificates: {},
      provisioning: { env: { POPPY_RECONCILE_INTERVAL_MS: '0' } },
    });
  }, 60_000);

  afterAll(async () => {
    await suite?.stop();
  });

  it('POST /v1.0/ssl_certificate → the certificate is issued by the local CA and reaches deployed; DELETE removes it', async () => {
    const domain = `www.${unique}.com`;
    const body = { flavor_id: 'mock', cert_type: 'san', domain_name: domain, project_id: PROJECT };
    expect((await api('POST', '/v1.0/ssl_certificate', body)).status).toBe(202);
    const cert = await until('deployed', async () => {
      const reply = await api('GET', `/v1.0/ssl_certificate/${domain}`);
      return reply.body.status === 'deployed' ? reply.body : undefined;
    });
    expect(cert).toMatchObject({ domain_name: domain, cert_type: 'san', project_id: PROJECT });
    expect(cert.cert_details.Local.extra_info.status).toBe('deployed');
    const notAfter = new Date(cert.not_after).getTime();
    expect(notAfter).toBeGreaterThan(Date.now() + 80 * 86_400_000);
    expect(notAfter).toBeLessThan(Date.now() + 91 * 86_400_000);
    expect(JSON.stringify(cert)).not.toMatch(/PRIVATE KEY/);

    const listed = await api('GET', '/v1.0/admin/certificates?status=deployed');
    expect(listed.body).toEqual(expect.arrayContaining([{ domain_name: domain }]));

    expect((await api('DELETE', `/v1.0/ssl_certificate/${domain}?cert_type=san`)).status).toBe(202);
    expect((await api('GET', `/v1.0/ssl_certificate/${domain}`)).status).toBe(404);
  }, 30_000);
});
