import type { jobsV1 } from '@poppy/contracts';
import { InvalidJobError } from './job-queue';
import {
  decodeServiceJob,
  encodeServiceJob,
  SERVICE_JOB_KINDS,
  type ServiceJobMessage,
} from './service-jobs';

const spec: jobsV1.CreateJob['spec'] = {
  name: 'site',
  domains: [{ domain: 'www.site.com', protocol: 'https', certificate: 'san' }],
  origins: [
    {
      origin: 'origin.site.com',
      port: 443,
      ssl: true,
      rules: [{ name: 'default', request_url: '/*' }],
      hostheadertype: 'custom',
      hostheadervalue: 'origin.example',
    },
  ],
  caching: [{ name: 'default', ttl: 86400, rules: [{ name: 'default', request_url: '/*' }] }],
  restrictions: [],
  flavor_id: 'duo',
  log_delivery: { enabled: false },
};

function envelope(job: ServiceJobMessage['job']): ServiceJobMessage {
  return {
    project_id: 'p1',
    service_id: 's1',
    generation: 3,
    created_at: '2026-01-01T00:00:00.000Z',
    reconciled: false,
    job,
  };
}

describe('service jobs on the queue', () => {
  it.each<ServiceJobMessage['job']>([
    { $case: 'create', value: { spec } },
    { $case: 'create', value: { spec: undefined } },
    {
      $case: 'update',
      value: { previous: { ...spec, domains: [{ domain: 'old.site.com', protocol: 'http' }] } },
    },
    {
      $case: 'delete',
      value: {
        provider_details: {
          Mock: {
            id: 'v-1',
            access_urls: [{ domain: 'www.site.com', provider_url: 'x.cdn.net', log_delivery: [] }],
            status: 'delete_in_progress',
            domains_certificate_status: { 'www.site.com': 'deployed' },
          },
        },
      },
    },
    { $case: 'purge', value: { url: '/img/*', hard: true } },
    { $case: 'enable', value: {} },
    { $case: 'disable', value: {} },
  ])('decodes what it encoded ($case)', (job) => {
    const message = envelope(job);
    const queued = encodeServiceJob(message, { id: 'j1', headers: { traceparent: 't' } });
    expect(queued).toMatchObject({ id: 'j1', kind: job?.$case, headers: { traceparent: 't' } });
    // What the queue drivers store: the payload survives a JSON round trip unchanged.
    const stored = { ...queued, payload: JSON.parse(JSON.stringify(queued.payload)) as object };
    expect(decodeServiceJob(stored as typeof queued)).toEqual(message);
  });

  it('names the oneof case in the payload, so the kind is readable from the body alone', () => {
    const queued = encodeServiceJob(
      envelope({ $case: 'purge', value: { url: '/a', hard: false } }),
      {
        id: 'j',
      },
    );
    expect(queued.payload).toEqual({
      projectId: 'p1',
      serviceId: 's1',
      generation: 3,
      createdAt: '2026-01-01T00:00:00.000Z',
      purge: { url: '/a' },
    });
    expect(queued.headers).toBeUndefined();
  });

  it('decodes a job written by the version before the contract (hand-built JSON)', () => {
    // Verbatim what the previous catalog's outbox relay published for an update.
    const legacy = {
      id: '6a1f0c9e-2b9d-4c1e-9a55-0d7c1f8e2a10:2:update',
      kind: 'update',
      payload: {
        previous: {
          name: 'site',
          domains: [{ domain: 'gone.site.com', protocol: 'https', certificate: 'sni' }],
          origins: [
            {
              origin: 'origin.site.com',
              port: 80,
              ssl: false,
              rules: [{ name: 'default', request_url: '/*' }],
              hostheadertype: 'domain',
            },
          ],
          caching: [],
          restrictions: [],
          flavor_id: 'duo',
          log_delivery: { enabled: false },
        },
        project_id: 'p1',
        service_id: '6a1f0c9e-2b9d-4c1e-9a55-0d7c1f8e2a10',
        generation: 2,
        created_at: '2026-01-01T00:00:00.000Z',
      },
    };
    const message = decodeServiceJob(legacy);
    expect(message).toMatchObject({
      project_id: 'p1',
      service_id: '6a1f0c9e-2b9d-4c1e-9a55-0d7c1f8e2a10',
      generation: 2,
      created_at: '2026-01-01T00:00:00.000Z',
      reconciled: false,
    });
    expect(message.job?.$case).toBe('update');
    expect(message.job?.$case === 'update' && message.job.value.previous?.domains).toEqual([
      { domain: 'gone.site.com', protocol: 'https', certificate: 'sni' },
    ]);
  });

  it.each([
    ['purge', { url: '/x', hard: true }, { $case: 'purge', value: { url: '/x', hard: true } }],
    ['enable', {}, { $case: 'enable', value: {} }],
    ['create', { reconciled: true }, { $case: 'create', value: { spec: undefined } }],
  ])('decodes an older %s job with its fields flat in the payload', (kind, fields, job) => {
    const payload = { project_id: 'p', service_id: 's', generation: 1, ...fields };
    const message = decodeServiceJob({ id: 'j', kind, payload });
    expect(message.job).toEqual(job);
    expect(message.reconciled).toBe(kind === 'create');
  });

  it('rejects a malformed job with every problem listed', () => {
    expect(() =>
      decodeServiceJob({ id: 'j', kind: 'explode', payload: { generation: 0 } }),
    ).toThrow(
      new InvalidJobError(
        'invalid job "j": unknown kind explode; project_id must be a non-empty string; ' +
          'service_id must be a non-empty string; generation must be a positive integer',
      ),
    );
  });

  it('rejects a payload whose case is not the queue kind', () => {
    const queued = encodeServiceJob(envelope({ $case: 'enable', value: {} }), { id: 'j' });
    expect(() => decodeServiceJob({ ...queued, kind: 'disable' })).toThrow(
      'payload holds a enable job, not disable',
    );
  });

  it('lists every case of the oneof once', () => {
    expect([...SERVICE_JOB_KINDS].sort()).toEqual(
      ['certificate', 'create', 'delete', 'disable', 'enable', 'purge', 'update'].sort(),
    );
  });
});
