/**
 * The built provider-cloudflare process (dist/provider-cloudflare/main.js) over gRPC,
 * talking through the official SDK over real HTTP to the Cloudflare fake
 * (tools/fakes/cloudflare): the provider contract suite, then what is Cloudflare's own —
 * the custom hostnames and rules it writes, activation and certificate status, purge kinds,
 * certificates, 429s and the request budget, listManaged.
 */
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { commonV1 } from '@poppy/contracts';
import type { ProviderClient } from '@poppy/provider-kit';
import {
  defaultContractSpec,
  describeProviderContract,
  providerErrorOf,
  startAdapterProcess,
  type AdapterProcess,
  type ProviderContractTarget,
} from '@poppy/provider-kit/testing';
import { FAKE_TOKEN, FAKE_ZONE_ID, FakeCloudflare } from '@poppy/fakes/cloudflare';

jest.setTimeout(30_000);

const CNAME_TARGET = 'customers.poppy-edge.example.net';

type Adapter = AdapterProcess;

function startAdapter(baseUrl: string, env: Record<string, string> = {}): Promise<Adapter> {
  return startAdapterProcess({
    name: 'provider-cloudflare',
    env: {
      POPPY_CLOUDFLARE_BASE_URL: baseUrl,
      POPPY_CLOUDFLARE_API_TOKEN: FAKE_TOKEN,
      POPPY_CLOUDFLARE_ZONE_ID: FAKE_ZONE_ID,
      POPPY_CLOUDFLARE_CNAME_TARGET: CNAME_TARGET,
      POPPY_CLOUDFLARE_RATE_LIMIT: '200',
      POPPY_CLOUDFLARE_TIMEOUT_MS: '2000',
      ...env,
    },
    deadlineMs: 15_000,
  });
}

const spec = (): commonV1.ServiceSpec => defaultContractSpec(randomUUID().slice(0, 8));

interface CloudflareTarget extends ProviderContractTarget {
  unreachable: ProviderClient;
  badToken: ProviderClient;
}

describeProviderContract<CloudflareTarget>(
  'provider-cloudflare (fake)',
  async () => {
    const fake = await new FakeCloudflare({ activationDelayMs: 50 }).start();
    const adapter = await startAdapter(fake.baseUrl);
    const dead = await startAdapter('http://127.0.0.1:9/client/v4', {
      POPPY_CLOUDFLARE_MAX_RETRIES: '0',
    });
    const wrong = await startAdapter(fake.baseUrl, { POPPY_CLOUDFLARE_API_TOKEN: 'not-a-token' });
    return {
      client: adapter.client,
      unreachable: dead.client,
      badToken: wrong.client,
      teardown: async () => {
        await adapter.stop();
        await dead.stop();
        await wrong.stop();
        await fake.stop();
      },
    };
  },
  {
    providerName: 'Cloudflare',
    links: (s, links) => {
      expect(links.map((l) => l.domain).sort()).toEqual(s.domains.map((d) => d.domain).sort());
      for (const link of links)
        expect(link).toMatchObject({ rel: 'access_url', href: CNAME_TARGET });
    },
    errorCases: [
      {
        name: 'a spec Cloudflare cannot take (log delivery)',
        retryable: false,
        call: (target) =>
          target.client.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: { ...spec(), log_delivery: { enabled: true } },
          }),
      },
      {
        name: 'an unreachable Cloudflare API',
        retryable: true,
        call: (target) =>
          target.unreachable.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: spec(),
          }),
      },
      {
        name: 'a token Cloudflare does not know',
        retryable: false,
        call: (target) =>
          target.badToken.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: spec(),
          }),
      },
    ],
  },
);

describe('provider-cloudflare against the fake', () => {
  let fake: FakeCloudflare;
  let adapter: Adapter;
  const project = 'cf-project';

  beforeAll(async () => {
    fake = await new FakeCloudflare({ activationDelayMs: 300 }).start();
    adapter = await startAdapter(fake.baseUrl);
  }, 60_000);
  afterAll(async () => {
    await adapter?.stop();
    await fake?.stop();
  });

  const hostnamesOf = (serviceId: string) =>
    fake
      .hostnames()
      .filter(
        (h) =>
          (h.custom_metadata as Record<string, string> | undefined)?.poppy_service_id === serviceId,
      );
  const rulesOf = (phase: Parameters<FakeCloudflare['ruleset']>[0], serviceId: string) =>
    (fake.ruleset(phase)?.rules ?? []).filter((r) =>
      r.ref.startsWith(`poppy_${serviceId.replace(/-/g, '')}_`),
    );

  it('creates custom hostnames and rules once, in progress until the hostnames are active', async () => {
    const serviceId = randomUUID();
    const s: commonV1.ServiceSpec = {
      ...spec(),
      domains: [
        {
          domain: `www.${serviceId.slice(0, 8)}.example.com`,
          protocol: 'https',
          certificate: 'san',
        },
      ],
      origins: [
        {
          origin: 'default.origin.example',
          port: 80,
          ssl: false,
          rules: [],
          hostheadertype: 'domain',
        },
        {
          origin: 'img.origin.example',
          port: 8443,
          ssl: true,
          rules: [{ name: 'img', request_url: '/images/*' }],
          hostheadertype: 'origin',
        },
      ],
      restrictions: [
        { name: 'geo', access: 'blacklist', rules: [{ request_url: '/*', geography: 'Germany' }] },
      ],
    };
    const first = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    expect(first.service).toMatchObject({
      status: 'deploy_in_progress',
      domains_certificate_status: { [s.domains[0].domain]: 'create_in_progress' },
    });
    expect(hostnamesOf(serviceId)).toHaveLength(1);
    expect(rulesOf('http_request_origin', serviceId).map((r) => r.action_parameters)).toEqual([
      { origin: { host: 'default.origin.example', port: 80 } },
      { origin: { host: 'img.origin.example', port: 8443 }, host_header: 'img.origin.example' },
    ]);
    expect(rulesOf('http_request_firewall_custom', serviceId)[0].expression).toContain(
      'ip.src.country in {"DE"}',
    );
    const writes = fake.requests.filter((r) => r.method !== 'GET').length;
    await new Promise((r) => setTimeout(r, 350));
    const again = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    expect(again.service).toMatchObject({
      provider_service_id: first.service!.provider_service_id,
      status: 'deployed',
      domains_certificate_status: { [s.domains[0].domain]: 'deployed' },
    });
    // The redelivered create found everything: no second hostname, no write at all.
    expect(hostnamesOf(serviceId)).toHaveLength(1);
    expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(writes);
  });

  it('an update edits the rules in place, adds and removes hostnames, and bumps the phase version', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const version = fake.ruleset('http_request_cache_settings')!.version;
    const added = `new.${serviceId.slice(0, 8)}.example.com`;
    const changed: commonV1.ServiceSpec = {
      ...s,
      domains: [s.domains[0], { domain: added, protocol: 'http' }],
      caching: [{ name: 'default', ttl: 60, rules: [{ name: 'default', request_url: '/*' }] }],
    };
    await adapter.client.updateService({
      project_id: project,
      service_id: serviceId,
      provider_service_id: service!.provider_service_id,
      spec: changed,
    });
    expect(
      hostnamesOf(serviceId)
        .map((h) => h.hostname)
        .sort(),
    ).toEqual([s.domains[0].domain, added].sort());
    const cache = rulesOf('http_request_cache_settings', serviceId);
    expect(cache).toHaveLength(1);
    expect(cache[0].action_parameters).toEqual({
      cache: true,
      edge_ttl: { mode: 'override_origin', default: 60 },
    });
    expect(cache[0].expression).toContain(added);
    expect(Number(fake.ruleset('http_request_cache_settings')!.version)).toBeGreaterThan(
      Number(version),
    );
  });

  it('purges by host, prefix and URL, soft and hard alike', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const before = fake.purges.length;
    for (const [url, hard] of [
      ['/*', false],
      ['/images/*', true],
      ['/a.css', false],
    ] as const) {
      await adapter.client.purgeService({
        project_id: project,
        service_id: serviceId,
        provider_service_id: service!.provider_service_id,
        spec: s,
        hard,
        purge_url: url,
      });
    }
    const hosts = s.domains.map((d) => d.domain);
    expect(fake.purges.slice(before).map(({ zoneId: _z, at: _a, ...p }) => p)).toEqual([
      { hosts },
      { prefixes: hosts.map((h) => `${h}/images/`) },
      { files: hosts.map((h) => `http://${h}/a.css`) },
    ]);
  });

  it('a hostname whose validation fails fails the provider with Cloudflare’s message', async () => {
    const s = spec();
    fake.failHostname(s.domains[0].domain, 'custom hostname does not CNAME to this zone.');
    const error = await providerErrorOf(
      adapter.client.createService({ project_id: project, service_id: randomUUID(), spec: s }),
    );
    expect(error).toMatchObject({ retryable: false, errorClass: 'cloudflare.HostnameFailed' });
    expect(error.message).toContain('does not CNAME to this zone');
  });

  it('installs a PEM certificate on the hostname, and deleting it goes back to the managed one', async () => {
    const serviceId = randomUUID();
    const s = spec();
    await adapter.client.createService({ project_id: project, service_id: serviceId, spec: s });
    const domain = s.domains[0].domain;
    const { cert, key } = selfSigned(domain);
    const created = await adapter.client.createCertificate({
      certificate: {
        domain_name: domain,
        project_id: project,
        flavor_id: 'cf',
        cert_type: 'custom',
        cert_details: { certificate_pem: cert, private_key_pem: key },
      },
      enqueue: false,
      https_upgrade: false,
      service_id: '',
      provider_service_id: '',
    });
    expect(JSON.parse(created.extra_info_json)).toMatchObject({ custom_certificate: true });
    expect(
      (
        hostnamesOf(serviceId).find((h) => h.hostname === domain)!.ssl as {
          custom_certificate?: string;
        }
      ).custom_certificate,
    ).toBe(cert);
    const mismatched = selfSigned(domain);
    const refused = await providerErrorOf(
      adapter.client.createCertificate({
        certificate: {
          domain_name: domain,
          project_id: project,
          flavor_id: 'cf',
          cert_type: 'custom',
          cert_details: { certificate_pem: cert, private_key_pem: mismatched.key },
        },
        enqueue: false,
        https_upgrade: false,
        service_id: '',
        provider_service_id: '',
      }),
    );
    expect(refused).toMatchObject({ retryable: false, errorClass: 'cloudflare.1429' });
    await adapter.client.deleteCertificate({
      certificate: {
        domain_name: domain,
        project_id: project,
        flavor_id: 'cf',
        cert_type: 'custom',
        cert_details: {},
      },
    });
    expect(
      (
        hostnamesOf(serviceId).find((h) => h.hostname === domain)!.ssl as {
          custom_certificate?: string;
        }
      ).custom_certificate,
    ).toBeUndefined();
  });

  it('a 429 from Cloudflare is retryable with its Retry-After', async () => {
    const throttled = await startAdapter(fake.baseUrl, { POPPY_CLOUDFLARE_MAX_RETRIES: '0' });
    try {
      fake.throttleFor(3000);
      const error = await providerErrorOf(
        throttled.client.createService({
          project_id: project,
          service_id: randomUUID(),
          spec: spec(),
        }),
      );
      expect(error).toMatchObject({ retryable: true, errorClass: 'cloudflare.RateLimited' });
      expect(error.retryAfterMs).toBeGreaterThanOrEqual(1000);
    } finally {
      fake.throttleFor(0);
      await throttled.stop();
    }
  });
});

/** A self-signed certificate and its key (openssl), as services/certificates would hand over. */
function selfSigned(domain: string): { cert: string; key: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        `/CN=${domain}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      cert: fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8'),
      key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
