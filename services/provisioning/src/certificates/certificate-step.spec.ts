import type { certificatesV1 } from '@poppy/contracts';
import { isPoppyError, type Service } from '@poppy/domain';
import { EnvReader } from '@poppy/platform/boot';
import { notFound } from '@poppy/domain';
import {
  ensureServiceCertificates,
  readCertificateStepConfig,
  releaseServiceCertificates,
  type CertificatesApi,
} from './certificate-step';

const load = (env: NodeJS.ProcessEnv) => {
  const e = new EnvReader(env);
  return e.done(readCertificateStepConfig(e));
};

const service = (domains: Service['domains']): Service =>
  ({ service_id: 's1', project_id: 'p1', flavor_id: 'cdn', domains }) as unknown as Service;

class FakeCertificates implements CertificatesApi {
  calls: certificatesV1.EnsureCertificatesRequest[] = [];
  deleted: string[] = [];
  constructor(
    private readonly statuses: Record<string, string>,
    private readonly existing: string[] = [],
  ) {}
  async deleteCertificate(
    req: certificatesV1.DeleteCertificateRequest,
  ): Promise<certificatesV1.DeleteCertificateResponse> {
    if (!this.existing.includes(req.domain_name))
      throw notFound(`certificate could not be found for domain : ${req.domain_name}`);
    this.deleted.push(`${req.domain_name} ${req.cert_type} ${req.project_id}`);
    return {};
  }
  async getCertificateKeyPair(
    req: certificatesV1.GetCertificateKeyPairRequest,
  ): Promise<certificatesV1.GetCertificateKeyPairResponse> {
    if (this.statuses[req.domain_name] !== 'deployed')
      throw notFound(`no deployed certificate for domain : ${req.domain_name}`);
    return {
      certificate_pem: `CERT ${req.domain_name}`,
      private_key_pem: `KEY ${req.domain_name}`,
      not_after: '2027-01-01T00:00:00.000Z',
      cert_type: 'san',
    };
  }
  async ensureCertificates(
    req: certificatesV1.EnsureCertificatesRequest,
  ): Promise<certificatesV1.EnsureCertificatesResponse> {
    this.calls.push(req);
    return { statuses: this.statuses, errors: {} };
  }
}

describe('ensureServiceCertificates', () => {
  it('asks for the https domains only and returns their statuses', async () => {
    const api = new FakeCertificates({ 'secure.example.com': 'deployed', shop: 'deployed' });
    const statuses = await ensureServiceCertificates(
      { api, waitMs: 1000 },
      service([
        { domain: 'www.example.com', protocol: 'http' },
        { domain: 'secure.example.com', protocol: 'https', certificate: 'sni' },
        { domain: 'shop', protocol: 'https', certificate: 'shared' },
      ] as Service['domains']),
    );
    expect(statuses).toEqual({ 'secure.example.com': 'deployed', shop: 'deployed' });
    expect(api.calls).toEqual([
      {
        project_id: 'p1',
        service_id: 's1',
        flavor_id: 'cdn',
        wait_ms: 1000,
        domains: [
          { domain_name: 'secure.example.com', cert_type: 'sni' },
          { domain_name: 'shop', cert_type: 'shared' },
        ],
      },
    ]);
  });

  it('does nothing without the step or without https domains', async () => {
    const api = new FakeCertificates({});
    expect(
      await ensureServiceCertificates(
        undefined,
        service([
          { domain: 'a.example.com', protocol: 'https', certificate: 'san' },
        ] as Service['domains']),
      ),
    ).toBeUndefined();
    expect(
      await ensureServiceCertificates(
        { api, waitMs: 0 },
        service([{ domain: 'a.example.com', protocol: 'http' }] as Service['domains']),
      ),
    ).toBeUndefined();
    expect(api.calls).toHaveLength(0);
  });

  it('fails retryably while a certificate is still being issued', async () => {
    const api = new FakeCertificates({ 'a.example.com': 'create_in_progress' });
    const error = await ensureServiceCertificates(
      { api, waitMs: 0 },
      service([
        { domain: 'a.example.com', protocol: 'https', certificate: 'san' },
      ] as Service['domains']),
    ).catch((e: unknown) => e);
    expect(isPoppyError(error) && error.kind).toBe('unavailable');
    expect(String((error as Error).message)).toBe(
      'certificates still being issued for a.example.com',
    );
  });

  it('reports a failed certificate without holding the service back', async () => {
    const api = new FakeCertificates({ 'a.example.com': 'failed' });
    expect(
      await ensureServiceCertificates(
        { api, waitMs: 0 },
        service([
          { domain: 'a.example.com', protocol: 'https', certificate: 'custom' },
        ] as Service['domains']),
      ),
    ).toEqual({
      'a.example.com': 'failed',
    });
  });
});

describe('releaseServiceCertificates', () => {
  it('deletes the managed certificates of the service, keeps custom ones, and ignores those already gone', async () => {
    const api = new FakeCertificates({}, ['a.example.com']);
    const released = await releaseServiceCertificates(
      { api, waitMs: 0 },
      service([
        { domain: 'a.example.com', protocol: 'https', certificate: 'sni' },
        { domain: 'b.example.com', protocol: 'https', certificate: 'san' },
        { domain: 'c.example.com', protocol: 'https', certificate: 'custom' },
        { domain: 'shop', protocol: 'https', certificate: 'shared' },
        { domain: 'd.example.com', protocol: 'http' },
      ] as Service['domains']),
    );
    expect(released).toEqual(['a.example.com']);
    expect(api.deleted).toEqual(['a.example.com sni p1']);
  });
});

describe('readCertificateStepConfig', () => {
  it('reads the address and wait, and lists a malformed address', () => {
    expect(load({})).toEqual({ address: undefined, waitMs: 20_000 });
    expect(
      load({ POPPY_CERTIFICATES_ADDRESS: '127.0.0.1:50081', POPPY_CERTIFICATE_WAIT_MS: '50' }),
    ).toEqual({ address: '127.0.0.1:50081', waitMs: 50 });
    expect(() => load({ POPPY_CERTIFICATES_ADDRESS: 'nope' })).toThrow(
      /POPPY_CERTIFICATES_ADDRESS: expected host:port/,
    );
  });
});
