/**
 * The Akamai operator routes (reference §10.11–10.14) with Akamai configured: gateway →
 * catalog (queues and settings, POPPY_AKAMAI_ADMIN_ADDRESS) → provider-akamai's
 * AkamaiAdminService (gRPC) → EdgeGrid-signed HTTP → the Akamai fake. The Akamai-less
 * answers are gateway/test/admin-api.int-spec.ts.
 */
import { randomUUID } from 'node:crypto';
import { FakeAkamai } from '@poppy/fakes/akamai';
import { callApi, startProcess, startSuite, type RunningProcess, type Suite } from '@poppy/testing';
import { loadProviderAkamaiConfig } from '../src/config';
import { createAkamaiApi } from '../src/start';
import { akamaiEnv } from './akamai-env';

jest.setTimeout(60_000);

const BASE = '/v1.0/admin/provider/akamai';
const SAN_CERT = 'secure1.san1.example.com';
const SNI_CERT = 'sni1.example.com';

describe('Akamai operator routes driving the Akamai adapter (fake)', () => {
  let fake: FakeAkamai;
  let adapter: RunningProcess;
  let suite: Suite;

  const api = (method: string, path: string, body?: unknown) =>
    callApi<unknown>(suite, 'operator', method, path, body);
  const domain = () => `www.ak${randomUUID().slice(0, 8)}.example.com`;
  const enrollmentsOf = (name: string) =>
    [...fake.enrollments.values()].filter(
      (e) => (e.body.csr as { cn?: string } | undefined)?.cn === name,
    );

  beforeAll(async () => {
    fake = await new FakeAkamai({
      edgeHostnames: ['poppy.edgesuite.net', 'poppy.edgekey.net', `${SAN_CERT}.edgekey.net`],
    }).start();
    // The operator's mod-SAN property exists with its rules (the adapter only adds hostnames).
    const seed = createAkamaiApi(loadProviderAkamaiConfig(akamaiEnv(fake)));
    const propertyId = await seed.createProperty('mod-san-hostnames');
    const { etag } = await seed.getRules(propertyId, 1);
    await seed.putRules(
      propertyId,
      1,
      {
        name: 'default',
        behaviors: [
          { name: 'origin', options: { hostname: 'origin.example.com' } },
          { name: 'cpCode', options: { value: { id: 12345 } } },
        ],
        children: [],
      },
      'mod-SAN',
      etag,
    );
    adapter = await startProcess('provider-akamai', {
      POPPY_PROVIDER_PORT: '0',
      ...akamaiEnv(fake, {
        POPPY_AKAMAI_SAN_CERT_NAMES: SAN_CERT,
        POPPY_AKAMAI_SNI_CERT_NAMES: SNI_CERT,
      }),
    });
    suite = await startSuite({
      env: { POPPY_AKAMAI_ADMIN_ADDRESS: `127.0.0.1:${adapter.port}` },
    });
  }, 90_000);

  afterAll(async () => {
    await suite?.stop();
    await adapter?.stop();
    await fake?.stop();
  }, 30_000);

  it('§10.14: a configured SAN certificate answers its configuration; spsId fetches the latest CPS change', async () => {
    const limit = await api('GET', `${BASE}/ssl_certificate/config/san_cert_hostname_limit`);
    expect([limit.status, limit.body]).toEqual([200, { san_cert_hostname_limit: 80 }]);

    const cert = await api('GET', `${BASE}/ssl_certificate/config/${SAN_CERT}`);
    expect(cert.status).toBe(200);
    expect(cert.body).toMatchObject({
      cnameHostname: SAN_CERT,
      createType: 'modSan',
      product: 'ion_premier',
      spsId: null,
      jobId: null,
    });
    const unknown = await api('GET', `${BASE}/ssl_certificate/config/secure9.san9.example.com`);
    expect(unknown.status).toBe(400);

    // An enrollment with a pending change at CPS: its change id is the SAN cert's job id.
    const name = domain();
    await api('PUT', `${BASE}/ssl_certificate/retry_list`, [
      { flavor_id: 'akamai', domain_name: name, project_id: 'p1', validate_service: false },
    ]);
    expect((await api('POST', `${BASE}/ssl_certificate/retry_list`)).status).toBe(202);
    const [enrollment] = enrollmentsOf(name);
    const updated = await api('POST', `${BASE}/ssl_certificate/config/${SAN_CERT}`, {
      spsId: enrollment.id,
      enabled: false,
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      cnameHostname: SAN_CERT,
      spsId: String(enrollment.id),
      jobId: enrollment.change!.id,
      enabled: false,
    });
    expect((await api('GET', `${BASE}/ssl_certificate/config/${SAN_CERT}`)).body).toEqual(
      updated.body,
    );

    const sni = await api('GET', `${BASE}/ssl_certificate/sni_config/${SNI_CERT}`);
    expect([sni.status, sni.body]).toEqual([
      200,
      { cnameHostname: SNI_CERT, enrollmentId: null, enabled: true },
    ]);
  });

  it('§10.11: update-papi sends a SAN-mapping item; the mod-SAN property gets the hostname and is activated', async () => {
    const name = domain();
    const item = {
      domain_name: name,
      flavor_id: 'akamai',
      project_id: 'p1',
      cert_type: 'san',
      cert_details: { Akamai: { extra_info: { 'san cert': SAN_CERT } } },
    };
    const other = {
      ...item,
      domain_name: domain(),
      cert_details: { Akamai: { extra_info: { 'san cert': 'secure9.san9.example.com' } } },
    };
    const put = await api('PUT', `${BASE}/background_job/san_mapping`, [item, other]);
    expect(put.status).toBe(200);

    const job = await api('POST', `${BASE}/background_job`, {
      job_type: 'akamai_update_papi_property_for_mod_san',
      update_type: 'hostnames',
      action: 'add',
    });
    expect([job.status, job.body]).toEqual([
      202,
      {
        sent: [item],
        ignored: [
          { ...other, error_message: 'secure9.san9.example.com is not a configured certificate' },
        ],
      },
    ]);

    const property = fake.propertyByName('mod-san-hostnames')!;
    expect(property.latestVersion).toBe(2);
    const latest = property.versions.get(property.latestVersion)!;
    expect(latest.hostnames).toEqual([
      expect.objectContaining({ cnameFrom: name, cnameTo: `${SAN_CERT}.edgekey.net` }),
    ]);
    expect(
      property.activations.filter((a) => a.propertyVersion === property.latestVersion),
    ).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ network: 'STAGING', activationType: 'ACTIVATE' }),
        expect.objectContaining({ network: 'PRODUCTION', activationType: 'ACTIVATE' }),
      ]),
    );
    // The queue is read, not consumed (the check-and-update job drains it).
    expect((await api('GET', `${BASE}/background_job/san_mapping`)).body).toEqual([item, other]);

    // No mod-SNI property at Akamai: the adapter's answer reaches the operator.
    const sniItem = {
      ...item,
      cert_type: 'sni',
      cert_details: { Akamai: { extra_info: { sni_cert: SNI_CERT } } },
    };
    await api('PUT', `${BASE}/background_job/san_mapping`, [sniItem]);
    const sni = await api('POST', `${BASE}/background_job`, {
      job_type: 'akamai_update_papi_property_for_mod_sni',
    });
    expect([sni.status, sni.body]).toEqual([
      404,
      expect.objectContaining({ message: expect.stringContaining('mod-sni-hostnames') }),
    ]);
    expect(fake.propertyByName('mod-sni-hostnames')).toBeUndefined();
    await api('PUT', `${BASE}/background_job/san_mapping`, []);
  });

  it('§10.13: POST retry_list re-runs each certificate at CPS (a fresh enrollment replaces the old)', async () => {
    const name = domain();
    const entry = { flavor_id: 'akamai', domain_name: name, project_id: 'p1' };
    const put = await api('PUT', `${BASE}/ssl_certificate/retry_list`, [
      { ...entry, validate_service: false },
    ]);
    expect(put.status).toBe(200);
    const first = await api('POST', `${BASE}/ssl_certificate/retry_list`);
    expect([first.status, first.body]).toEqual([
      202,
      { processing: [{ ...entry, validate_service: false }], failed_validation: [] },
    ]);
    const [enrollment] = enrollmentsOf(name);
    expect(enrollment).toBeDefined();
    expect((await api('GET', `${BASE}/ssl_certificate/retry_list`)).body).toEqual([]);

    await api('PUT', `${BASE}/ssl_certificate/retry_list`, [{ ...entry, validate_service: false }]);
    expect((await api('POST', `${BASE}/ssl_certificate/retry_list`)).status).toBe(202);
    const again = enrollmentsOf(name);
    expect(again).toHaveLength(1);
    expect(again[0].id).not.toBe(enrollment.id);
  });

  it('§10.11: check-and-update drains the activated items and asks CPS about each', async () => {
    const name = domain();
    const activated = {
      domain_name: name,
      flavor_id: 'akamai',
      project_id: 'p1',
      cert_type: 'san',
      property_activated: true,
      cert_details: { Akamai: { extra_info: { 'san cert': SAN_CERT } } },
    };
    const waiting = { ...activated, domain_name: domain(), property_activated: false };
    await api('PUT', `${BASE}/background_job/san_mapping`, [activated, waiting]);
    const asked = fake.requests.length;
    const job = await api('POST', `${BASE}/background_job`, {
      job_type: 'akamai_check_and_update_cert_status',
    });
    expect([job.status, job.body]).toEqual([202, { sent: [activated], ignored: [waiting] }]);
    expect(
      fake.requests.slice(asked).some((r) => r.method === 'GET' && r.path.startsWith('/cps/v2/')),
    ).toBe(true);
    expect((await api('GET', `${BASE}/background_job/san_mapping`)).body).toEqual([waiting]);
  });
});
