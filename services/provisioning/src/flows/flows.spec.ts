import { aggregateServiceStatus } from '@poppy/domain';
import { parseJob } from '../job-handler';
import { runCertificate } from './certificate-flow';
import { runCreate } from './create-flow';
import { runDelete } from './delete-flow';
import {
  context,
  deployedDetail,
  FakeCatalog,
  FakeProvider,
  jobFor,
  newService,
  refused,
  retryable,
} from './fakes.test-helper';
import { runPurge } from './purge-flow';
import { runUpdate } from './update-flow';

let catalog: FakeCatalog;
let mock: FakeProvider;
let mock2: FakeProvider;

beforeEach(() => {
  catalog = new FakeCatalog();
  catalog.flavors.set('duo', {
    id: 'duo',
    providers: [
      { provider: 'mock', provider_url: 'm' },
      { provider: 'mock2', provider_url: 'm2' },
    ],
  });
  mock = new FakeProvider('Mock');
  mock2 = new FakeProvider('Mock2');
});

const ctx = () => context(catalog, { mock, mock2 });

describe('create flow', () => {
  it('deploys at every provider of the flavor with access URLs from the default DNS', async () => {
    const s = catalog.put(newService());
    expect(await runCreate(ctx(), jobFor(s, 'create'))).toEqual({ type: 'done' });
    const stored = catalog.get(s.service_id)!;
    expect(aggregateServiceStatus(stored.provider_details)).toBe('deployed');
    expect(stored.provider_details.Mock).toEqual(deployedDetail('Mock', s.service_id));
    expect(stored.provider_details.Mock2.access_urls[0].operator_url).toBe('mock2.cdn.example.net');
  });

  it('records a refusing provider as failed with its error while the other is deployed', async () => {
    mock2.script('createService', refused('Mock provider failure'));
    const s = catalog.put(newService());
    expect(await runCreate(ctx(), jobFor(s, 'create'))).toEqual({ type: 'done' });
    const details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2).toMatchObject({
      status: 'failed',
      error_message: 'Mock provider failure',
      error_info: 'Mock provider failure (detail)',
      error_class: 'mock.Refused',
    });
    expect(aggregateServiceStatus(details)).toBe('failed');
  });

  it('retries only the provider that failed retryably, after at least its retry-after, and skips the done one', async () => {
    mock2.script('createService', retryable('vendor 503', 1500));
    const s = catalog.put(newService());
    const first = await runCreate(ctx(), jobFor(s, 'create'));
    expect(first).toMatchObject({ type: 'retry' });
    expect((first as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(1500);
    // Written at once: the fast provider is deployed, the other still in progress, so the service is not deployed yet.
    let details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2.status).toBe('deploy_in_progress');
    expect(aggregateServiceStatus(details)).toBe('create_in_progress');

    expect(await runCreate(ctx(), jobFor(s, 'create', { attempt: 2 }))).toEqual({ type: 'done' });
    details = catalog.get(s.service_id)!.provider_details;
    expect(aggregateServiceStatus(details)).toBe('deployed');
    expect(mock.count('createService')).toBe(1);
    expect(mock2.count('createService')).toBe(2);
  });

  it('marks a provider still failing on the last attempt failed, keeping the other’s result', async () => {
    mock2.script('createService', retryable('vendor 503'));
    const s = catalog.put(newService());
    expect(await runCreate(ctx(), jobFor(s, 'create', { attempt: 5, maxAttempts: 5 }))).toEqual({
      type: 'done',
    });
    const details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2).toMatchObject({
      status: 'failed',
      error_message: 'Failed after 5 attempts: vendor 503',
    });
  });

  it('trusts the spec carried by the job on a first attempt, and reads the catalog on later ones', async () => {
    const s = catalog.put(newService());
    const { name, domains, origins, caching, restrictions, flavor_id, log_delivery } = s;
    const spec = { name, domains, origins, caching, restrictions, flavor_id, log_delivery };
    mock2.script('createService', retryable('vendor 503'));
    await runCreate(ctx(), jobFor(s, 'create', { spec }));
    expect(catalog.reads).toBe(0);
    expect(mock.calls.find((c) => c.op === 'createService')!.req).toMatchObject({
      spec: { name: 'site', flavor_id: 'duo' },
    });
    await runCreate(ctx(), jobFor(s, 'create', { spec, attempt: 2 }));
    expect(catalog.reads).toBe(1);
    expect(mock.count('createService')).toBe(1);
    expect(aggregateServiceStatus(catalog.get(s.service_id)!.provider_details)).toBe('deployed');
  });

  it('goes on with the others while a provider cannot even say its name, and keys it properly once it can', async () => {
    const two = new FakeProvider('MockTwo').script('describe', retryable('connection refused'));
    const c = context(catalog, { mock, mock2: two });
    const s = catalog.put(newService());
    expect(await runCreate(c, jobFor(s, 'create'))).toMatchObject({ type: 'retry' });
    let details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2.status).toBe('deploy_in_progress'); // its place, under the fallback name
    expect(aggregateServiceStatus(details)).toBe('create_in_progress');
    expect(await runCreate(c, jobFor(s, 'create', { attempt: 2 }))).toEqual({ type: 'done' });
    details = catalog.get(s.service_id)!.provider_details;
    expect(Object.keys(details).sort()).toEqual(['Mock', 'MockTwo']);
    expect(aggregateServiceStatus(details)).toBe('deployed');
  });

  it('does nothing for a generation the service has left', async () => {
    const s = catalog.put(newService({ generation: 2 }));
    expect(await runCreate(ctx(), jobFor(s, 'create', { generation: 1 }))).toEqual({
      type: 'done',
    });
    expect(mock.count('createService') + mock2.count('createService')).toBe(0);
  });

  it('deletes what it created when the service was deleted while the create ran', async () => {
    const s = catalog.put(newService());
    mock.script('createService', () => catalog.services.delete(s.service_id));
    await runCreate(ctx(), jobFor(s, 'create'));
    expect(mock.count('deleteService')).toBe(1);
    expect(mock.calls.find((c) => c.op === 'deleteService')!.req).toMatchObject({
      provider_service_id: `Mock-${s.service_id}`,
    });
  });

  it('reports a flavor provider without a configured adapter as failed', async () => {
    catalog.flavors.set('odd', {
      id: 'odd',
      providers: [
        { provider: 'mock', provider_url: 'm' },
        { provider: 'ghost', provider_url: 'g' },
      ],
    });
    const s = catalog.put(newService({ flavor_id: 'odd' }));
    await runCreate(ctx(), jobFor(s, 'create'));
    const details = catalog.get(s.service_id)!.provider_details;
    expect(details.Ghost).toMatchObject({
      status: 'failed',
      error_class: 'poppy.ProviderNotConfigured',
    });
    expect(details.Mock.status).toBe('deployed');
  });
});

describe('update flow', () => {
  function updating() {
    return catalog.put(
      newService({
        generation: 3,
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'update_in_progress' },
          Mock2: { ...deployedDetail('Mock2', 'x'), status: 'update_in_progress' },
        },
      }),
    );
  }

  it('releases the managed certificates of the https domains the update dropped (docs/behaviour.md D-10)', async () => {
    const s = catalog.put(
      newService({
        generation: 3,
        domains: [{ domain: 'kept.site.com', protocol: 'https', certificate: 'san' }],
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'update_in_progress' },
          Mock2: { ...deployedDetail('Mock2', 'x'), status: 'update_in_progress' },
        },
      }),
    );
    const deleted: string[] = [];
    const certificates = {
      api: {
        ensureCertificates: async () => ({ statuses: { 'kept.site.com': 'deployed' }, errors: {} }),
        deleteCertificate: async (req: { domain_name: string; cert_type: string }) => {
          deleted.push(`${req.domain_name} ${req.cert_type}`);
          return {};
        },
        getCertificateKeyPair: async (req: { domain_name: string }) => ({
          certificate_pem: `CERT ${req.domain_name}`,
          private_key_pem: `KEY ${req.domain_name}`,
          not_after: '2027-01-01T00:00:00.000Z',
          cert_type: 'sni',
        }),
      },
      waitMs: 0,
    };
    const job = parseJob(
      {
        id: `${s.service_id}:3:update`,
        kind: 'update',
        payload: {
          project_id: s.project_id,
          service_id: s.service_id,
          generation: 3,
          previous: {
            domains: [
              { domain: 'kept.site.com', protocol: 'https', certificate: 'san' },
              { domain: 'gone.site.com', protocol: 'https', certificate: 'sni' },
              { domain: 'own.site.com', protocol: 'https', certificate: 'custom' },
              { domain: 'plain.site.com', protocol: 'http' },
            ],
          },
        },
      },
      1,
      5,
    );
    if (typeof job === 'string') throw new Error(job);
    expect(await runUpdate({ ...ctx(), certificates }, job)).toEqual({ type: 'done' });
    expect(deleted).toEqual(['gone.site.com sni']);
    // The kept domain's certificate is installed at each provider as a PEM pair.
    const installs = mock.calls.filter((c) => c.op === 'createCertificate');
    expect(installs).toHaveLength(1);
    expect(installs[0].req).toMatchObject({
      service_id: s.service_id,
      certificate: {
        domain_name: 'kept.site.com',
        cert_type: 'san',
        cert_details: {
          certificate_pem: 'CERT kept.site.com',
          private_key_pem: 'KEY kept.site.com',
        },
      },
    });

    // A certificate job (a renewal) installs it again at every provider, at any generation.
    const renewal = parseJob(
      {
        id: 'certificate-kept.site.com-1',
        kind: 'certificate',
        payload: {
          project_id: s.project_id,
          service_id: s.service_id,
          generation: 1,
          certificate: { domain_name: 'kept.site.com' },
        },
      },
      1,
      5,
    );
    if (typeof renewal === 'string') throw new Error(renewal);
    expect(await runCertificate({ ...ctx(), certificates }, renewal)).toEqual({ type: 'done' });
    expect(mock.calls.filter((c) => c.op === 'createCertificate')).toHaveLength(2);
    // A domain the service does not have: nothing is installed.
    const other = { ...renewal, domainName: 'other.site.com' };
    expect(await runCertificate({ ...ctx(), certificates }, other)).toEqual({ type: 'done' });
    expect(mock.calls.filter((c) => c.op === 'createCertificate')).toHaveLength(2);
  });

  it('a provider that does not terminate TLS is skipped; one that refuses the certificate is failed', async () => {
    const s = catalog.put(
      newService({
        generation: 3,
        domains: [{ domain: 'tls.site.com', protocol: 'https', certificate: 'san' }],
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'update_in_progress' },
          Mock2: { ...deployedDetail('Mock2', 'x'), status: 'update_in_progress' },
        },
      }),
    );
    mock.script(
      'createCertificate',
      Object.assign(new Error('certificates not supported by the edge'), {
        retryable: false,
        errorClass: 'edge.Unsupported',
      }),
    );
    mock2.script('createCertificate', refused('the certificate does not match its key'));
    const certificates = {
      api: {
        ensureCertificates: async () => ({ statuses: { 'tls.site.com': 'deployed' }, errors: {} }),
        deleteCertificate: async () => ({}),
        getCertificateKeyPair: async () => ({
          certificate_pem: 'CERT',
          private_key_pem: 'KEY',
          not_after: '2027-01-01T00:00:00.000Z',
          cert_type: 'san',
        }),
      },
      waitMs: 0,
    };
    expect(await runUpdate({ ...ctx(), certificates }, jobFor(s, 'update'))).toEqual({
      type: 'done',
    });
    const details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2.status).toBe('failed');
    expect(details.Mock2.error_message).toContain('the certificate does not match its key');
  });

  it('updates every provider with its previous vendor id and ends deployed', async () => {
    const s = updating();
    expect(await runUpdate(ctx(), jobFor(s, 'update'))).toEqual({ type: 'done' });
    expect(aggregateServiceStatus(catalog.get(s.service_id)!.provider_details)).toBe('deployed');
    expect(mock.calls[mock.calls.length - 1].req).toMatchObject({ provider_service_id: 'Mock-x' });
  });

  it('keeps a refusing provider’s old id and access URLs, failed with the error', async () => {
    mock2.script('updateService', refused('bad config'));
    const s = updating();
    await runUpdate(ctx(), jobFor(s, 'update'));
    const details = catalog.get(s.service_id)!.provider_details;
    expect(details.Mock.status).toBe('deployed');
    expect(details.Mock2).toMatchObject({
      id: 'Mock2-x',
      status: 'failed',
      error_message: 'bad config',
    });
    expect(details.Mock2.access_urls).toEqual(deployedDetail('Mock2', 'x').access_urls);
  });
});

describe('delete flow', () => {
  function deleting() {
    return catalog.put(
      newService({
        generation: 2,
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'delete_in_progress' },
          Mock2: { ...deployedDetail('Mock2', 'x'), status: 'delete_in_progress' },
        },
      }),
    );
  }

  it('removes the service once every provider confirmed', async () => {
    const s = deleting();
    expect(await runDelete(ctx(), jobFor(s, 'delete'))).toEqual({ type: 'done' });
    expect(catalog.get(s.service_id)).toBeUndefined();
    expect(mock.calls.find((c) => c.op === 'deleteService')!.req).toMatchObject({
      provider_service_id: 'Mock-x',
    });
  });

  it('keeps the service failed and visible when a provider refuses (docs/behaviour.md D-9)', async () => {
    mock2.script('deleteService', refused('locked'));
    const s = deleting();
    expect(await runDelete(ctx(), jobFor(s, 'delete'))).toEqual({ type: 'done' });
    const details = catalog.get(s.service_id)!.provider_details;
    expect(Object.keys(details)).toEqual(['Mock2']);
    expect(details.Mock2).toMatchObject({
      status: 'failed',
      error_message: 'locked',
      id: 'Mock2-x',
    });
  });

  it('retries a provider that failed retryably and drops the confirmed one meanwhile', async () => {
    mock2.script('deleteService', retryable('timeout'));
    const s = deleting();
    expect(await runDelete(ctx(), jobFor(s, 'delete'))).toMatchObject({ type: 'retry' });
    expect(Object.keys(catalog.get(s.service_id)!.provider_details)).toEqual(['Mock2']);
    expect(await runDelete(ctx(), jobFor(s, 'delete', { attempt: 2 }))).toEqual({ type: 'done' });
    expect(catalog.get(s.service_id)).toBeUndefined();
  });

  it('asks the flavor’s providers to delete even when the service has no provider details yet', async () => {
    const s = catalog.put(newService({ generation: 2 }));
    await runDelete(ctx(), jobFor(s, 'delete'));
    expect(mock.count('deleteService')).toBe(1);
    expect(mock2.count('deleteService')).toBe(1);
    expect(catalog.get(s.service_id)).toBeUndefined();
  });
});

describe('purge flow', () => {
  it('hard purge: the provider gets the URL and hard flag; statuses stay deployed', async () => {
    const s = catalog.put(
      newService({ provider_details: { Mock: deployedDetail('Mock', 'x') }, flavor_id: 'duo' }),
    );
    expect(await runPurge(ctx(), jobFor(s, 'purge', { url: '/img/*', hard: true }))).toEqual({
      type: 'done',
    });
    expect(mock.calls.find((c) => c.op === 'purgeService')!.req).toMatchObject({
      purge_url: '/img/*',
      hard: true,
      provider_service_id: 'Mock-x',
    });
    expect(catalog.get(s.service_id)!.provider_details.Mock.status).toBe('deployed');
  });

  it('soft purge: update_in_progress → deployed, keeping domains_certificate_status (docs/behaviour.md D-8)', async () => {
    const s = catalog.put(
      newService({
        provider_details: {
          Mock: {
            ...deployedDetail('Mock', 'x'),
            status: 'update_in_progress',
            domains_certificate_status: { 'www.site.com': 'deployed' },
          },
        },
      }),
    );
    await runPurge(ctx(), jobFor(s, 'purge', { url: '/*', hard: false }));
    expect(catalog.get(s.service_id)!.provider_details.Mock).toMatchObject({
      status: 'deployed',
      domains_certificate_status: { 'www.site.com': 'deployed' },
    });
  });

  it('a hard purge does not settle a soft purge that arrived while it ran', async () => {
    const s = catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    // While the hard purge is at the vendor, a soft purge is accepted: the catalog marks the provider update_in_progress.
    mock.script(
      'purgeService',
      () => (catalog.get(s.service_id)!.provider_details.Mock.status = 'update_in_progress'),
    );
    await runPurge(ctx(), jobFor(s, 'purge', { url: '/a', hard: true }));
    expect(catalog.get(s.service_id)!.provider_details.Mock.status).toBe('update_in_progress');
    await runPurge(ctx(), jobFor(s, 'purge', { url: '/b', hard: false }));
    expect(catalog.get(s.service_id)!.provider_details.Mock.status).toBe('deployed');
    expect(
      mock.calls.filter((c) => c.op === 'purgeService').map((c) => [c.req.purge_url, c.req.hard]),
    ).toEqual([
      ['/a', true],
      ['/b', false],
    ]);
  });

  it('a purge write-back that meets a concurrent write decides again on it, overwriting nothing', async () => {
    const s = catalog.put(
      newService({
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'update_in_progress' },
        },
      }),
    );
    // Lands between the purge's read of the service and its write-back, at the same generation.
    catalog.beforeNextWrite(() => {
      catalog.get(s.service_id)!.provider_details.Mock.domains_certificate_status = {
        'www.site.com': 'deployed',
      };
    });
    expect(await runPurge(ctx(), jobFor(s, 'purge', { url: '/*', hard: false }))).toEqual({
      type: 'done',
    });
    expect(catalog.get(s.service_id)!.provider_details.Mock).toMatchObject({
      status: 'deployed',
      domains_certificate_status: { 'www.site.com': 'deployed' },
    });
    // The first write was refused (it expected the details without the certificate status).
    expect(catalog.writes).toHaveLength(2);
    expect(catalog.writes.every((w) => w.expects_provider_details)).toBe(true);
    expect(catalog.writes[1].expected_provider_details.Mock.domains_certificate_status).toEqual({
      'www.site.com': 'deployed',
    });
  });

  it('hard purge refused: status unchanged, error recorded', async () => {
    mock.script('purgeService', refused('hard purge of /* unsupported'));
    const s = catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    await runPurge(ctx(), jobFor(s, 'purge', { url: '/*', hard: true }));
    expect(catalog.get(s.service_id)!.provider_details.Mock).toMatchObject({
      status: 'deployed',
      error_message: 'hard purge of /* unsupported',
    });
  });
});

describe('job parsing', () => {
  it('rejects a malformed payload with every problem listed', () => {
    expect(parseJob({ id: 'j', kind: 'explode', payload: { generation: 0 } }, 1, 1)).toBe(
      'invalid job "j": unknown kind explode; project_id must be a non-empty string; ' +
        'service_id must be a non-empty string; generation must be a positive integer',
    );
  });
});
