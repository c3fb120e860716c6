import { isPoppyError } from '@poppy/domain';
import { createLogger } from '@poppy/platform';
import type { IssuedCertificate, Issuer } from './acme/issuer';
import { Certificates } from './certificates';
import { SqliteCertificateStore } from './drivers/sqlite/sqlite-certificate-store';
import { renewDue } from './renewal';
import { DAY, makeCa, makeLeaf, type TestCert } from './test-certificates.test-helper';

const logger = createLogger('certificates-test', 'silent');

/** Issues from a test CA; `fail` makes the next issuances throw. */
class FakeIssuer implements Issuer {
  readonly name = 'ACME';
  fail = false;
  issued: string[] = [];
  constructor(
    private readonly ca: TestCert,
    private readonly validDays = 90,
  ) {}
  async issue(domain: string): Promise<IssuedCertificate> {
    if (this.fail) throw new Error('CA said no');
    this.issued.push(domain);
    const leaf = await makeLeaf(this.ca, {
      names: [domain],
      notAfter: new Date(Date.now() + this.validDays * DAY),
    });
    return { certificatePem: leaf.pem, privateKeyPem: leaf.keyPem };
  }
}

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (isPoppyError(error)) return `${error.kind}: ${String(error.message)}`;
    throw error;
  }
}

describe('Certificates', () => {
  let ca: TestCert;
  let store: SqliteCertificateStore;
  let issuer: FakeIssuer;
  let certs: Certificates;
  beforeAll(async () => {
    ca = await makeCa();
  });
  beforeEach(() => {
    store = new SqliteCertificateStore(':memory:');
    issuer = new FakeIssuer(ca);
    certs = new Certificates({ store, issuer, logger });
  });
  afterEach(() => store.close());

  it('records a managed certificate create_in_progress, then deployed once issued, never showing the key', async () => {
    const created = await certs.create({
      domain_name: 'www.example.com',
      cert_type: 'sni',
      flavor_id: 'cdn',
      project_id: 'p1',
    });
    expect(created.status).toBe('create_in_progress');
    await certs.idle();
    const got = await certs.get('www.example.com');
    expect(got.status).toBe('deployed');
    expect(got.certificate_pem).toContain('BEGIN CERTIFICATE');
    expect(got.not_after).toBeGreaterThan(Date.now());
    expect(JSON.stringify(got)).not.toContain('PRIVATE KEY');
    expect((await store.get('www.example.com'))?.private_key_pem).toContain('PRIVATE KEY');
  });

  it('refuses the same domain, type and flavor twice (docs/behaviour.md §7.2)', async () => {
    await certs.create({
      domain_name: 'www.example.com',
      cert_type: 'san',
      flavor_id: 'cdn',
      project_id: 'p1',
    });
    expect(
      await kindOf(
        certs.create({
          domain_name: 'www.example.com',
          cert_type: 'san',
          flavor_id: 'cdn',
          project_id: 'p2',
        }),
      ),
    ).toBe('invalid: Certificate already exists for www.example.com ');
    await certs.idle();
  });

  it('refuses a root or malformed domain and an unknown cert_type', async () => {
    expect(
      await kindOf(
        certs.create({ domain_name: 'nodot', cert_type: 'san', flavor_id: 'cdn', project_id: 'p' }),
      ),
    ).toBe('invalid: nodot must be a valid non-root domain');
    expect(
      await kindOf(
        certs.create({
          domain_name: 'a.example.com',
          cert_type: 'dedicated',
          flavor_id: 'cdn',
          project_id: 'p',
        }),
      ),
    ).toMatch(/^invalid: cert_type 'dedicated' is not one of san, sni, custom/);
  });

  it('records a failed issuance as failed with the CA error', async () => {
    issuer.fail = true;
    await certs.create({
      domain_name: 'www.example.com',
      cert_type: 'san',
      flavor_id: 'cdn',
      project_id: 'p1',
    });
    await certs.idle();
    const got = await certs.get('www.example.com');
    expect(got.status).toBe('failed');
    expect(got.error_message).toBe('certificate issuance failed: CA said no');
    expect(await certs.listByStatus('failed')).toEqual(['www.example.com']);
  });

  it('deletes only the owner project certificate; an unknown one is a 404 (docs/behaviour.md D-11)', async () => {
    await certs.create({
      domain_name: 'www.example.com',
      cert_type: 'san',
      flavor_id: 'cdn',
      project_id: 'p1',
    });
    await certs.idle();
    expect(await kindOf(certs.delete('www.example.com', 'san', 'p2'))).toMatch(/^not_found/);
    expect(await kindOf(certs.delete('www.example.com', 'sni', 'p1'))).toMatch(/^not_found/);
    expect(await kindOf(certs.delete('www.example.com', 'san', 'p1'))).toBe('ok');
    expect(await kindOf(certs.get('www.example.com'))).toBe(
      'not_found: certificate could not be found for domain : www.example.com',
    );
  });

  it('admin status change updates the record and its issuer status; a bad status is a 400 (docs/behaviour.md §10.8)', async () => {
    await certs.create({
      domain_name: 'www.example.com',
      cert_type: 'san',
      flavor_id: 'cdn',
      project_id: 'p1',
    });
    await certs.idle();
    const updated = await certs.updateStatus('www.example.com', 'cancelled');
    expect(updated.status).toBe('cancelled');
    expect(updated.cert_details.ACME.extra_info.status).toBe('cancelled');
    expect(await certs.listByStatus('cancelled')).toEqual(['www.example.com']);
    expect(await kindOf(certs.updateStatus('www.example.com', 'bogus'))).toMatch(
      /^invalid: Status 'bogus' is not one of/,
    );
    expect(await kindOf(certs.updateStatus('nope.example.com', 'failed'))).toBe(
      'not_found: Certificate could not be found for domain: nope.example.com',
    );
  });

  it('ensure issues what a service lacks, waits for it, and reports shared as deployed and a missing custom upload as failed', async () => {
    const result = await certs.ensure({
      project_id: 'p1',
      flavor_id: 'cdn',
      waitMs: 5000,
      domains: [
        { domain_name: 'a.example.com', cert_type: 'sni' },
        { domain_name: 'b.example.com', cert_type: 'san' },
        { domain_name: 'shop', cert_type: 'shared' },
        { domain_name: 'c.example.com', cert_type: 'custom' },
      ],
    });
    expect(result.statuses).toEqual({
      'a.example.com': 'deployed',
      'b.example.com': 'deployed',
      shop: 'deployed',
      'c.example.com': 'failed',
    });
    expect(result.errors['c.example.com']).toMatch(
      /No custom certificate was uploaded for c.example.com/,
    );
    const again = await certs.ensure({
      project_id: 'p1',
      flavor_id: 'cdn',
      waitMs: 5000,
      domains: [{ domain_name: 'a.example.com', cert_type: 'sni' }],
    });
    expect(again.statuses['a.example.com']).toBe('deployed');
    expect(issuer.issued).toEqual(['a.example.com', 'b.example.com']);
  });

  it('ensure answers create_in_progress when issuance outlasts the wait', async () => {
    const slow: Issuer = {
      name: 'ACME',
      issue: () =>
        new Promise((resolve) => setTimeout(() => resolve(issuer.issue('slow.example.com')), 300)),
    };
    certs = new Certificates({ store, issuer: slow, logger });
    const result = await certs.ensure({
      project_id: 'p',
      flavor_id: 'cdn',
      waitMs: 20,
      domains: [{ domain_name: 'slow.example.com', cert_type: 'sni' }],
    });
    expect(result.statuses['slow.example.com']).toBe('create_in_progress');
    await certs.idle();
    expect((await certs.get('slow.example.com')).status).toBe('deployed');
  });

  describe('renewal sweep', () => {
    it('re-issues managed certificates due within the window and leaves the others', async () => {
      issuer = new FakeIssuer(ca, 10);
      certs = new Certificates({ store, issuer, logger });
      await certs.create({
        domain_name: 'soon.example.com',
        cert_type: 'san',
        flavor_id: 'cdn',
        project_id: 'p',
      });
      await certs.idle();
      const before = (await store.get('soon.example.com'))!.not_after;
      issuer = new FakeIssuer(ca, 90);
      const renewing = new Certificates({ store, issuer, logger });
      const result = await renewDue(renewing, store, { withinDays: 30, logger });
      expect(result).toEqual({ renewed: ['soon.example.com'], notRenewed: [] });
      expect((await store.get('soon.example.com'))!.not_after).toBeGreaterThan(before);
      expect(await renewDue(renewing, store, { withinDays: 30, logger })).toEqual({
        renewed: [],
        notRenewed: [],
      });
    });

    it('asks for a renewed certificate to be installed at the service it was ensured for (not for a first issuance, nor an unlinked one)', async () => {
      const replaced: Array<{ domain: string; service: string; generation: number }> = [];
      const onReplaced = async (r: {
        domain_name: string;
        service_id?: string;
        service_generation?: number;
      }) => {
        replaced.push({
          domain: r.domain_name,
          service: r.service_id!,
          generation: r.service_generation!,
        });
      };
      issuer = new FakeIssuer(ca, 10);
      certs = new Certificates({ store, issuer, logger, onReplaced });
      await certs.ensure({
        project_id: 'p',
        flavor_id: 'cdn',
        service_id: 'svc-1',
        generation: 4,
        domains: [{ domain_name: 'linked.example.com', cert_type: 'san' }],
        waitMs: 5_000,
      });
      await certs.create({
        domain_name: 'alone.example.com',
        cert_type: 'san',
        flavor_id: 'cdn',
        project_id: 'p',
      });
      await certs.idle();
      expect(replaced).toEqual([]);
      const pair = await certs.keyPair('linked.example.com');
      expect(pair.private_key_pem).toMatch(/PRIVATE KEY/);

      certs = new Certificates({ store, issuer: new FakeIssuer(ca, 90), logger, onReplaced });
      const result = await renewDue(certs, store, { withinDays: 30, logger });
      expect(result.renewed.sort()).toEqual(['alone.example.com', 'linked.example.com']);
      expect(replaced).toEqual([{ domain: 'linked.example.com', service: 'svc-1', generation: 4 }]);
      expect((await certs.keyPair('linked.example.com')).certificate_pem).not.toBe(
        pair.certificate_pem,
      );
      expect(await kindOf(certs.keyPair('nothing.example.com'))).toMatch(/^not_found/);
    });

    it('reports what it could not renew, keeping a still-valid certificate deployed with the error', async () => {
      issuer = new FakeIssuer(ca, 10);
      certs = new Certificates({ store, issuer, logger });
      await certs.create({
        domain_name: 'soon.example.com',
        cert_type: 'san',
        flavor_id: 'cdn',
        project_id: 'p',
      });
      await certs.idle();
      issuer.fail = true;
      const leaf = await makeLeaf(ca, {
        names: ['up.example.com'],
        notAfter: new Date(Date.now() + 5 * DAY),
      });
      await certs.create({
        domain_name: 'up.example.com',
        cert_type: 'custom',
        flavor_id: 'cdn',
        project_id: 'p',
        certificate_pem: leaf.pem,
        private_key_pem: leaf.keyPem,
      });
      const result = await renewDue(certs, store, { withinDays: 30, logger });
      expect(result.renewed).toEqual([]);
      expect(result.notRenewed.map((n) => n.domain).sort()).toEqual([
        'soon.example.com',
        'up.example.com',
      ]);
      const soon = await certs.get('soon.example.com');
      expect(soon.status).toBe('deployed');
      expect(soon.error_message).toBe('certificate issuance failed: CA said no');
      expect((await certs.get('up.example.com')).error_message).toMatch(
        /^custom certificate expires on .*; upload a new one$/,
      );
    });
  });
});
