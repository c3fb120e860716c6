/**
 * The suite as `npm start` runs it: the certificates service with its local issuer (no
 * ACME server), reached by the gateway and provisioning. The SSL certificate routes work
 * on one machine, and an https domain's certificate reaches the provider (the mock's
 * journal), again when the renewal sweep replaces it (here every 3 s: the window is
 * longer than a local certificate's life, so every sweep renews).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { certificatesV1 } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import { makeTempDir, startSuite, type Suite } from '@poppy/testing';

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

  const journalFile = path.join(makeTempDir('cert-journal'), 'mock.jsonl');

  interface Installed {
    op: string;
    outcome: string;
    service_id: string;
    certificate_domain?: string;
    certificate_sha256?: string;
  }
  const installed = (domain: string): Installed[] =>
    (fs.existsSync(journalFile) ? fs.readFileSync(journalFile, 'utf8') : '')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Installed)
      .filter((e) => e.op === 'createCertificate' && e.certificate_domain === domain);

  beforeAll(async () => {
    suite = await startSuite({
      certificates: {
        env: { POPPY_CERT_RENEW_INTERVAL_MS: '3000', POPPY_CERT_RENEW_WITHIN_DAYS: '100' },
      },
      provisioning: {
        providers: [{ id: 'mock', env: { POPPY_MOCK_JOURNAL: journalFile } }],
        env: { POPPY_RECONCILE_INTERVAL_MS: '0' },
      },
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

  it('an https san domain: its certificate is installed at the provider once issued, and the renewed one replaces it', async () => {
    const domain = `secure.${unique}.com`;
    const created = await api('POST', '/v1.0/services', {
      name: 'tls-local',
      domains: [{ domain, protocol: 'https', certificate: 'san' }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'mock',
    });
    expect(created.status).toBe(202);
    const id =
      (created.body?.id as string | undefined) ??
      (
        (await api('GET', '/v1.0/services')).body.services as Array<{ id: string; name: string }>
      ).find((s) => s.name === 'tls-local')!.id;
    await until('the service to be deployed', async () => {
      const reply = await api('GET', `/v1.0/services/${id}`);
      if (reply.body.status === 'failed')
        throw new Error(`service failed: ${JSON.stringify(reply.body.errors)}`);
      return reply.body.status === 'deployed' ? true : undefined;
    });

    const client = createPromiseClient(
      certificatesV1.CertificatesServiceService,
      `127.0.0.1:${suite.certificates!.port}`,
      { deadlineMs: 5_000 },
    );
    const fingerprintNow = async (): Promise<string> => {
      const { certificate } = await client.getCertificate({ domain_name: domain });
      return new crypto.X509Certificate(certificate!.certificate_pem).fingerprint256;
    };
    try {
      const first = installed(domain);
      expect(first.length).toBeGreaterThanOrEqual(1);
      expect(first[0]).toMatchObject({ outcome: 'ok', service_id: id });
      const firstPrint = first[0].certificate_sha256!;
      expect(firstPrint).toMatch(/^[0-9A-F:]{95}$/);

      // The sweep renews it: a new certificate, installed at the provider in its place.
      const renewed = await until(
        'a renewed certificate at the provider',
        async () => installed(domain).find((e) => e.certificate_sha256 !== firstPrint),
        20_000,
      );
      expect(renewed).toMatchObject({ outcome: 'ok', service_id: id });
      // What the provider got is a certificate the certificates service issued (a later
      // sweep may already have replaced it again, so compare with every install).
      const current = await fingerprintNow();
      await until('the current certificate at the provider', async () =>
        installed(domain).some((e) => e.certificate_sha256 === current) ? true : undefined,
      );
      expect(fs.readFileSync(journalFile, 'utf8')).not.toMatch(/PRIVATE KEY/);
      // The key is never logged on its way to the provider.
      for (const proc of [suite.provisioning!, suite.providers.mock, suite.certificates!])
        expect(proc.output()).not.toMatch(/PRIVATE KEY/);
    } finally {
      client.close();
    }
  }, 45_000);
});
