/**
 * The operator's CNAME changes of docs/behaviour.md §10.4 (re-point an operator URL) and docs/behaviour.md §10.10
 * (migrate a domain onto another certificate hostname) end to end: gateway → catalog →
 * services/dns → a real PowerDNS, observed with real DNS queries. The CDN vendor is the
 * in-process echo adapter (`<domain>` → `<domain>.echo-cdn.test`).
 */
import type { RunningProviderAdapter } from '@poppy/provider-kit';
import {
  makeTempDir,
  startPowerDns,
  startSuite,
  type PowerDnsServer,
  type Suite,
} from '@poppy/testing';
import { echoHref, startEchoProvider } from './echo-provider';
import { api, createService, getService, PROJECT, waitForStatus } from './support';

const SUFFIX = 'admin-poppycdn.test';

let pdns: PowerDnsServer;
let echo: RunningProviderAdapter;
let suite: Suite;

beforeAll(async () => {
  pdns = await startPowerDns();
  echo = await startEchoProvider();
  suite = await startSuite({
    dataDir: makeTempDir('dns-admin'),
    env: { POPPY_PROVIDERS: 'echo', POPPY_DEFAULT_FLAVOR: '' },
    dns: {
      env: {
        POPPY_DNS_BACKEND: 'powerdns',
        POPPY_POWERDNS_API_URL: pdns.apiUrl,
        POPPY_POWERDNS_API_KEY: pdns.apiKey,
        POPPY_DNS_ZONE_SUFFIX: SUFFIX,
        POPPY_DNS_NUM_SHARDS: '3',
      },
    },
    provisioning: {
      queue: 'sqlite',
      providers: [],
      env: { POPPY_PROVIDER_ADDRESSES: `echo=127.0.0.1:${echo.port}` },
    },
  });
  const flavor = await api(suite, 'POST', '/v1.0/flavors', {
    id: 'echo',
    providers: [
      { provider: 'echo', links: [{ href: 'http://echo.example', rel: 'provider_url' }] },
    ],
  });
  if (flavor.status !== 201) throw new Error(`flavor: ${flavor.status}`);
}, 60_000);

afterAll(async () => {
  await suite?.stop();
  await echo?.close();
  await pdns?.stop();
});

async function operatorUrl(id: string): Promise<string> {
  const link = (await getService(suite, id)).body.links.find((l) => l.rel === 'access_url');
  if (!link) throw new Error('no access_url link');
  return link.href;
}

/** The same domain's name in another shard zone than `name`'s. */
function otherShard(domain: string, name: string): string {
  const shard = Number(/\.cdn([1-3])\./.exec(name)![1]);
  return `${domain}.cdn${(shard % 3) + 1}.${SUFFIX}`;
}

it('re-points an operator CNAME in PowerDNS: the new name answers, the old one is gone (docs/behaviour.md §10.4)', async () => {
  const { id, domain } = await createService(suite, 'echo');
  await waitForStatus(suite, id, 'deployed');
  const old = await operatorUrl(id);
  expect(await pdns.resolveCname(old)).toBe(echoHref(domain));
  const next = otherShard(domain, old);
  const body = { project_id: PROJECT, domain_name: domain, provider_url: echoHref(domain) };

  const outside = await api(suite, 'PATCH', `/v1.0/admin/services/provider_details/${id}`, {
    ...body,
    operator_url: `${domain}.elsewhere.test`,
  });
  expect(outside.status).toBe(400);
  expect(await pdns.resolveCname(old)).toBe(echoHref(domain));

  const moved = await api(suite, 'PATCH', `/v1.0/admin/services/provider_details/${id}`, {
    ...body,
    operator_url: next,
  });
  expect(moved.status).toBe(201);
  expect(await pdns.resolveCname(next)).toBe(echoHref(domain));
  expect(await pdns.resolveCname(old)).toBeUndefined();
  expect(await operatorUrl(id)).toBe(next);
});

it('migrates a domain onto a certificate hostname: its operator CNAME points there (docs/behaviour.md §10.10)', async () => {
  const { id, domain } = await createService(suite, 'echo');
  await waitForStatus(suite, id, 'deployed');
  const name = await operatorUrl(id);
  const migrated = await api(suite, 'POST', '/v1.0/admin/provider/akamai/service', {
    project_id: PROJECT,
    service_id: id,
    domain_name: domain,
    new_cert: 'secure7.san1.example',
  });
  expect(migrated.status).toBe(202);
  expect(await pdns.resolveCname(name)).toBe('secure7.san1.example.edgekey.net');
  expect(await operatorUrl(id)).toBe(name);
});
