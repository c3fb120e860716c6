/**
 * End to end with real processes (gateway, catalog, provisioning, provider-mock, dns) and a
 * real PowerDNS: the operator CNAME of a service's access URL exists in PowerDNS and
 * answers real DNS queries; disable/enable re-point it; DELETE removes it; PowerDNS down
 * during a create → retries, then success once it is back; down for good → `failed` with
 * the DNS error and no record left behind.
 *
 * The mock provider answers every service with the same link (www.mydomain.com →
 * www.mysite.com, Decision 18), so these tests run one service at a time; moving a record
 * on a domain change is covered by the driver contract suite (update).
 */
import { makeTempDir, startPowerDns, startProcess, startSuite, type PowerDnsServer, type RunningProcess, type Suite } from '@poppy/testing';
import { api, createService, getService, PROJECT, waitForStatus } from './support';

const SUFFIX = 'e2e-poppycdn.test';
const URL_404 = `notfound.${SUFFIX}`;
const PROVIDER_URL = 'www.mysite.com';

let pdns: PowerDnsServer;
let dns: RunningProcess;
let suite: Suite;

beforeAll(async () => {
  const dir = makeTempDir('dns-e2e');
  pdns = await startPowerDns();
  dns = await startProcess('dns', {
    POPPY_DNS_PORT: '0',
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
  });
  suite = await startSuite({
    dataDir: dir,
    env: { POPPY_MAX_SERVICES_PER_PROJECT: '1000' },
    provisioning: {
      queue: 'sqlite',
      providers: [{ id: 'mock' }],
      env: {
        POPPY_DNS_ADDRESS: `127.0.0.1:${dns.port}`,
        POPPY_JOB_BACKOFF_INITIAL_MS: '200',
        POPPY_JOB_BACKOFF_MAX_MS: '800',
        POPPY_JOB_MAX_ATTEMPTS: '6',
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await suite?.stop();
  await dns?.stop();
  await pdns?.stop();
});

async function operatorUrl(id: string): Promise<string> {
  const body = (await getService(suite, id)).body;
  const link = body.links.find((l) => l.rel === 'access_url');
  if (!link) throw new Error(`no access_url link: ${JSON.stringify(body)}`);
  return link.href;
}

async function waitForCname(name: string, target: string | undefined, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let seen: string | undefined;
  for (;;) {
    seen = await pdns.resolveCname(name);
    if (seen === target) return;
    if (Date.now() > end) throw new Error(`${name} is a CNAME to ${seen}, not ${target}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('create → a real CNAME to the provider URL; disable → 404 target; enable → back; DELETE → gone', async () => {
  const id = await createService(suite, 'mock');
  await waitForStatus(suite, id, 'deployed');
  const name = await operatorUrl(id);
  expect(name).toMatch(new RegExp(`^www\\.mydomain\\.com\\.cdn[1-3]\\.${SUFFIX.replace(/\./g, '\\.')}$`));
  expect(await pdns.resolveCname(name)).toBe(PROVIDER_URL);

  expect((await api(suite, 'POST', '/v1.0/admin/services/action', { project_id: PROJECT, action: 'disable' })).status).toBe(202);
  await waitForCname(name, URL_404);
  expect((await api(suite, 'POST', '/v1.0/admin/services/action', { project_id: PROJECT, action: 'enable' })).status).toBe(202);
  await waitForCname(name, PROVIDER_URL);

  expect((await api(suite, 'DELETE', `/v1.0/services/${id}`)).status).toBe(202);
  await waitForStatus(suite, id, 'gone');
  expect(await pdns.resolveCname(name)).toBeUndefined();
}, 40_000);

it('PowerDNS stopped for good during a create → failed with the DNS error, no record left', async () => {
  await pdns.halt();
  try {
    const id = await createService(suite, 'mock');
    const body = await waitForStatus(suite, id, 'failed', 30_000);
    expect(JSON.stringify(body.errors)).toMatch(/PowerDNS/);
  } finally {
    await pdns.start();
  }
  for (const shard of [1, 2, 3]) expect(await pdns.resolveCname(`www.mydomain.com.cdn${shard}.${SUFFIX}`)).toBeUndefined();
}, 45_000);

it('PowerDNS stopped during a create → retries, then deployed once it is back', async () => {
  await pdns.halt();
  let id: string;
  try {
    id = await createService(suite, 'mock');
    await new Promise((r) => setTimeout(r, 1000));
    expect((await getService(suite, id)).body.status).toBe('create_in_progress');
  } finally {
    await pdns.start();
  }
  await waitForStatus(suite, id, 'deployed', 20_000);
  expect(await pdns.resolveCname(await operatorUrl(id))).toBe(PROVIDER_URL);
  expect(dns.output()).toMatch(/DNS call failed; retrying/);
}, 45_000);
