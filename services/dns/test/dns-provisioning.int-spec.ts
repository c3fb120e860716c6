/**
 * End to end with real processes (gateway, catalog, provisioning, dns) and a real
 * PowerDNS: the operator CNAME of a service's access URL exists in PowerDNS and answers
 * real DNS queries; PATCH of the domain moves it; disable/enable re-point it; DELETE
 * removes it; PowerDNS down during a create → retries, then success once it is back; down
 * for good → `failed` with the DNS error and no record left behind.
 *
 * The CDN vendor is an in-process echo adapter (test/echo-provider.ts: one link per
 * domain, `<domain>` → `<domain>.echo-cdn.test`), so each service has records of its own.
 */
import type { RunningProviderAdapter } from '@poppy/provider-kit';
import {
  makeTempDir,
  startPowerDns,
  startSuite,
  type PowerDnsServer,
  type RunningProcess,
  type Suite,
} from '@poppy/testing';
import { echoHref, startEchoProvider } from './echo-provider';
import { api, createService, getService, waitForStatus } from './support';

const SUFFIX = 'e2e-poppycdn.test';
const URL_404 = `notfound.${SUFFIX}`;
const SHARD_NAME = new RegExp(`^(.+)\\.cdn[1-3]\\.${SUFFIX.replace(/\./g, '\\.')}$`);

let pdns: PowerDnsServer;
let echo: RunningProviderAdapter;
let dns: RunningProcess;
let suite: Suite;

beforeAll(async () => {
  pdns = await startPowerDns();
  echo = await startEchoProvider();
  suite = await startSuite({
    dataDir: makeTempDir('dns-e2e'),
    env: {
      POPPY_MAX_SERVICES_PER_PROJECT: '1000',
      POPPY_PROVIDERS: 'echo',
      POPPY_DEFAULT_FLAVOR: '',
    },
    dns: {
      env: {
        POPPY_DNS_BACKEND: 'powerdns',
        POPPY_POWERDNS_API_URL: pdns.apiUrl,
        POPPY_POWERDNS_API_KEY: pdns.apiKey,
        POPPY_DNS_ZONE_SUFFIX: SUFFIX,
        POPPY_DNS_URL_404: URL_404,
        POPPY_DNS_NUM_SHARDS: '3',
        POPPY_DNS_RETRIES: '3',
        POPPY_DNS_BACKOFF_INITIAL_MS: '50',
        POPPY_DNS_BACKOFF_MAX_MS: '200',
        POPPY_DNS_CALL_TIMEOUT_MS: '1000',
        POPPY_DNS_BREAKER_VOLUME: '1000',
      },
    },
    provisioning: {
      queue: 'sqlite',
      providers: [],
      env: {
        POPPY_PROVIDER_ADDRESSES: `echo=127.0.0.1:${echo.port}`,
        POPPY_JOB_BACKOFF_INITIAL_MS: '200',
        POPPY_JOB_BACKOFF_MAX_MS: '800',
        POPPY_JOB_MAX_ATTEMPTS: '6',
      },
    },
  });
  dns = suite.dns!;
  const flavor = await api(suite, 'POST', '/v1.0/flavors', {
    id: 'echo',
    providers: [
      { provider: 'echo', links: [{ href: 'http://echo.example', rel: 'provider_url' }] },
    ],
  });
  if (flavor.status !== 201)
    throw new Error(`flavor: ${flavor.status} ${JSON.stringify(flavor.body)}`);
}, 60_000);

afterAll(async () => {
  await suite?.stop();
  await echo?.close();
  await pdns?.stop();
});

async function operatorUrl(id: string): Promise<string> {
  const body = (await getService(suite, id)).body;
  const link = body.links.find((l) => l.rel === 'access_url');
  if (!link) throw new Error(`no access_url link: ${JSON.stringify(body)}`);
  return link.href;
}

async function waitForCname(
  name: string,
  target: string | undefined,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  let seen: string | undefined;
  for (;;) {
    seen = await pdns.resolveCname(name);
    if (seen === target) return;
    if (Date.now() > end)
      throw new Error(`${name} is a CNAME to ${seen}, not ${target}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const shardNames = (domain: string) => [1, 2, 3].map((n) => `${domain}.cdn${n}.${SUFFIX}`);

it('create → a real CNAME to the provider URL; PATCH of the domain moves it; disable → 404 target; enable → back; DELETE → gone', async () => {
  const { id, domain } = await createService(suite, 'echo');
  await waitForStatus(suite, id, 'deployed');
  const name = await operatorUrl(id);
  expect(name).toMatch(SHARD_NAME);
  expect(name.startsWith(`${domain}.`)).toBe(true);
  expect(await pdns.resolveCname(name)).toBe(echoHref(domain));

  const moved = `moved.${domain}`;
  const patch = await api(suite, 'PATCH', `/v1.0/services/${id}`, [
    { op: 'replace', path: '/domains/0', value: { domain: moved } },
  ]);
  expect(patch.status).toBe(202);
  await waitForStatus(suite, id, 'deployed');
  const movedName = await operatorUrl(id);
  expect(movedName.startsWith(`${moved}.`)).toBe(true);
  expect(await pdns.resolveCname(movedName)).toBe(echoHref(moved));
  expect(await pdns.resolveCname(name)).toBeUndefined();

  expect(
    (await api(suite, 'POST', '/v1.0/admin/services/action', { domain: moved, action: 'disable' }))
      .status,
  ).toBe(202);
  await waitForCname(movedName, URL_404);
  expect(
    (await api(suite, 'POST', '/v1.0/admin/services/action', { domain: moved, action: 'enable' }))
      .status,
  ).toBe(202);
  await waitForCname(movedName, echoHref(moved));

  expect((await api(suite, 'DELETE', `/v1.0/services/${id}`)).status).toBe(202);
  await waitForStatus(suite, id, 'gone');
  expect(await pdns.resolveCname(movedName)).toBeUndefined();
}, 40_000);

it('PowerDNS stopped for good during a create → failed with the DNS error, no record left', async () => {
  await pdns.halt();
  let domain: string;
  try {
    const created = await createService(suite, 'echo');
    domain = created.domain;
    const body = await waitForStatus(suite, created.id, 'failed', 30_000);
    expect(JSON.stringify(body.errors)).toMatch(/DNS \(PowerDNS\) failed .*unreachable/);
  } finally {
    await pdns.start();
  }
  for (const name of shardNames(domain)) expect(await pdns.resolveCname(name)).toBeUndefined();
  expect(dns.output()).toMatch(/DNS call failed; retrying/);
}, 45_000);

it('PowerDNS stopped during a create → retries, then deployed once it is back', async () => {
  await pdns.halt();
  let created: { id: string; domain: string };
  try {
    created = await createService(suite, 'echo');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getService(suite, created.id)).body.status).toBe('create_in_progress');
  } finally {
    await pdns.start();
  }
  await waitForStatus(suite, created.id, 'deployed', 20_000);
  expect(await pdns.resolveCname(await operatorUrl(created.id))).toBe(echoHref(created.domain));
}, 45_000);
