/**
 * The certificates service as a real process against a real pebble: HTTP-01 validated by
 * pebble itself (its fake DNS resolves every name to 127.0.0.1, where the service serves
 * the token), the issued chain verified against pebble's issuing root.
 */
import crypto from 'node:crypto';
import { certificatesV1 } from '@poppy/contracts';
import { isPoppyError } from '@poppy/domain';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';
import {
  makeTempDir,
  startPebble,
  startProcess,
  type Pebble,
  type RunningProcess,
} from '@poppy/testing';

type Client = PromiseClient<typeof certificatesV1.CertificatesServiceService>;

async function waitForStatus(
  client: Client,
  domain: string,
  status: string,
  timeoutMs = 20_000,
): Promise<certificatesV1.Certificate> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const { certificate } = await client.getCertificate({ domain_name: domain });
    if (certificate!.status === status) return certificate!;
    if (Date.now() > end)
      throw new Error(
        `${domain} is ${certificate!.status} (${certificate!.error_message}), not ${status}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('certificates service against pebble', () => {
  let pebble: Pebble;
  let service: RunningProcess;
  let client: Client;
  const unique = `${process.pid}${Date.now().toString(36)}`;

  beforeAll(async () => {
    pebble = await startPebble();
    service = await startProcess('certificates', {
      POPPY_CERTIFICATES_PORT: '0',
      POPPY_DATA_DIR: makeTempDir('certificates'),
      POPPY_ACME_DIRECTORY_URL: pebble.directoryUrl,
      POPPY_ACME_CA_FILE: pebble.listenerCaFile,
      POPPY_ACME_HTTP_PORT: String(pebble.challengeHttpPort),
    });
    client = createPromiseClient(
      certificatesV1.CertificatesServiceService,
      `127.0.0.1:${service.port}`,
      { deadlineMs: 20_000 },
    );
  }, 30_000);

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await pebble?.stop();
  });

  it("issues an sni certificate through a real HTTP-01 validation; the chain verifies against pebble's root", async () => {
    const domain = `www.${unique}.example.com`;
    const { certificate } = await client.createCertificate({
      domain_name: domain,
      cert_type: 'sni',
      flavor_id: 'cdn',
      project_id: 'p1',
      certificate_pem: '',
      private_key_pem: '',
    });
    expect(certificate!.status).toBe('create_in_progress');
    const deployed = await waitForStatus(client, domain, 'deployed');
    const chain = deployed.certificate_pem.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    )!;
    const leaf = new crypto.X509Certificate(chain[0]);
    expect(leaf.checkHost(domain)).toBe(domain);
    const root = new crypto.X509Certificate(await pebble.issuingRootPem());
    const last = new crypto.X509Certificate(chain[chain.length - 1]);
    expect(last.verify(root.publicKey)).toBe(true);
    expect(deployed.cert_details.ACME.extra_info.status).toBe('deployed');
    expect(new Date(deployed.not_after).getTime()).toBe(new Date(leaf.validTo).getTime());
    expect(service.output()).toMatch(/certificate issued by ACME/);
    expect(service.output()).not.toMatch(/PRIVATE KEY/);
  });

  it('ensure for a service issues its san and sni domains and reports them deployed within the wait', async () => {
    const a = `a.${unique}.example.org`;
    const b = `b.${unique}.example.org`;
    const reply = await client.ensureCertificates({
      project_id: 'p1',
      service_id: 's1',
      flavor_id: 'cdn',
      generation: 1,
      wait_ms: 15_000,
      domains: [
        { domain_name: a, cert_type: 'san' },
        { domain_name: b, cert_type: 'sni' },
        { domain_name: 'shop', cert_type: 'shared' },
      ],
    });
    if (reply.statuses[a] !== 'deployed') process.stderr.write(service.output() + pebble.output());
    expect(reply.statuses).toEqual({ [a]: 'deployed', [b]: 'deployed', shop: 'deployed' });
    expect((await client.listCertificatesByStatus({ status: 'deployed' })).domain_names).toEqual(
      expect.arrayContaining([a, b]),
    );
  }, 20_000);

  it('answers a clear INVALID_ARGUMENT for a bad status and NOT_FOUND for an unknown domain', async () => {
    await expect(client.listCertificatesByStatus({ status: 'nope' })).rejects.toMatchObject({
      kind: 'invalid',
    });
    const missing = await client
      .getCertificate({ domain_name: `none.${unique}.example.com` })
      .catch((e: unknown) => e);
    expect(isPoppyError(missing) && missing.kind).toBe('not_found');
  });
});
