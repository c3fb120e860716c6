/**
 * DNS-01 for real: pebble resolves through a test PowerDNS, the certificates service
 * publishes `_acme-challenge.<domain>` TXT records through the dns service (PowerDNS
 * backend), and pebble validates them there. No HTTP responder is involved, so the
 * customer's CNAME need not exist.
 */
import { certificatesV1 } from '@poppy/contracts';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';
import {
  makeTempDir,
  startPebble,
  startPowerDns,
  startProcess,
  type Pebble,
  type PowerDnsServer,
  type RunningProcess,
} from '@poppy/testing';

type Client = PromiseClient<typeof certificatesV1.CertificatesServiceService>;

describe('certificates with DNS-01 through the dns service and PowerDNS', () => {
  let pdns: PowerDnsServer;
  let dns: RunningProcess;
  let pebble: Pebble;
  let service: RunningProcess;
  let client: Client;
  const unique = `d${process.pid}${Date.now().toString(36)}`;

  beforeAll(async () => {
    pdns = await startPowerDns();
    dns = await startProcess('dns', {
      POPPY_DNS_PORT: '0',
      POPPY_DNS_BACKEND: 'powerdns',
      POPPY_POWERDNS_API_URL: pdns.apiUrl,
      POPPY_POWERDNS_API_KEY: pdns.apiKey,
      POPPY_DNS_ZONE_SUFFIX: 'certs-e2e.test',
    });
    pebble = await startPebble({ dnsServer: `127.0.0.1:${pdns.dnsPort}` });
    service = await startProcess('certificates', {
      POPPY_CERTIFICATES_PORT: '0',
      POPPY_DATA_DIR: makeTempDir('certificates-dns01'),
      POPPY_ACME_DIRECTORY_URL: pebble.directoryUrl,
      POPPY_ACME_CA_FILE: pebble.listenerCaFile,
      POPPY_ACME_CHALLENGE: 'dns-01',
      POPPY_DNS_ADDRESS: `127.0.0.1:${dns.port}`,
    });
    client = createPromiseClient(
      certificatesV1.CertificatesServiceService,
      `127.0.0.1:${service.port}`,
      { deadlineMs: 30_000 },
    );
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await service?.stop();
    await pebble?.stop();
    await dns?.stop();
    await pdns?.stop();
  });

  it('issues a certificate validated by a TXT record that pebble reads from PowerDNS, then withdraws the record', async () => {
    const domain = `www.${unique}.com`;
    const reply = await client.ensureCertificates({
      project_id: 'p1',
      service_id: 's1',
      flavor_id: 'cdn',
      generation: 1,
      wait_ms: 25_000,
      domains: [{ domain_name: domain, cert_type: 'san' }],
    });
    if (reply.statuses[domain] !== 'deployed')
      process.stderr.write(
        `${JSON.stringify(reply)}\n${service.output()}\n${pebble.output()}\n${dns.output()}`,
      );
    expect(reply.statuses).toEqual({ [domain]: 'deployed' });
    const { certificate } = await client.getCertificate({ domain_name: domain });
    expect(certificate!.certificate_pem).toContain('BEGIN CERTIFICATE');
    // The challenge record is removed once the order is done.
    expect(await pdns.resolveTxt(`_acme-challenge.${domain}`)).toEqual([]);
  }, 40_000);
});
