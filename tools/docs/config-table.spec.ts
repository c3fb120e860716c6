/**
 * The README's configuration table names exactly the POPPY_* variables the processes read.
 * Each process's loader runs against an environment that records every variable it reads,
 * once per switch that makes it read more (a driver or backend choice), so options read
 * only on one branch count too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadGatewayConfig } from '../../gateway/src/config';
import { loadCatalogConfig } from '../../services/catalog/src/config';
import { loadCertificatesConfig } from '../../services/certificates/src/config';
import { loadDnsConfig } from '../../services/dns/src/config';
import { loadProviderCloudflareConfig } from '../../services/provider-cloudflare/src/config';
import { loadProviderAkamaiConfig } from '../../services/provider-akamai/src/config';
import { loadProviderCloudFrontConfig } from '../../services/provider-cloudfront/src/config';
import { loadProviderFastlyConfig } from '../../services/provider-fastly/src/config';
import { loadProviderMockConfig } from '../../services/provider-mock/src/config';
import { loadProviderVarnishConfig } from '../../services/provider-varnish/src/config';
import { loadProvisioningConfig } from '../../services/provisioning/src/config';

const README = path.resolve(__dirname, '../../README.md');

const LOADERS: Record<string, (env: NodeJS.ProcessEnv) => unknown> = {
  gateway: loadGatewayConfig,
  catalog: loadCatalogConfig,
  provisioning: loadProvisioningConfig,
  dns: loadDnsConfig,
  certificates: loadCertificatesConfig,
  'provider-mock': loadProviderMockConfig,
  'provider-varnish': loadProviderVarnishConfig,
  'provider-cloudfront': loadProviderCloudFrontConfig,
  'provider-fastly': loadProviderFastlyConfig,
  'provider-cloudflare': loadProviderCloudflareConfig,
  'provider-akamai': loadProviderAkamaiConfig,
};

/** Values that send a loader down a branch reading more variables. */
const SWITCHES: NodeJS.ProcessEnv[] = [
  {},
  {
    POPPY_STORE: 'cassandra',
    POPPY_QUEUE: 'nats',
    POPPY_DNS_BACKEND: 'powerdns',
    POPPY_CERTIFICATES_ADDRESS: '127.0.0.1:1',
    POPPY_ACME_CHALLENGE: 'dns-01',
    POPPY_VARNISH_TLS_PEM_DIR: '/etc/hitch/poppy.d',
    POPPY_RATE_BUDGET: 'nats',
  },
  { POPPY_DNS_BACKEND: 'route53', POPPY_AUTH: 'keystone', POPPY_RATE_BUDGET: 'sqlite' },
  { POPPY_AUTH: 'jwt' },
  { POPPY_DNS_BACKEND: 'designate' },
];

/** Every POPPY_* name `load` reads, whatever branch it takes. */
function variablesRead(load: (env: NodeJS.ProcessEnv) => unknown): Set<string> {
  const names = new Set<string>();
  for (const values of SWITCHES) {
    const env = new Proxy(values, {
      get(target, key) {
        if (typeof key === 'string' && key.startsWith('POPPY_')) names.add(key);
        return Reflect.get(target, key);
      },
    });
    try {
      load(env);
    } catch {
      // A switch alone may leave the configuration incomplete (powerdns without its URL):
      // what was read before the problems were reported still counts.
    }
  }
  return names;
}

/** The names in the first column of the README's "## Configuration" table. */
function variablesDocumented(markdown: string): { names: Set<string>; shorthand: string[] } {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Configuration'));
  if (!section) throw new Error('README.md has no "## Configuration" section');
  const names = new Set<string>();
  const shorthand: string[] = [];
  for (const line of section.split('\n')) {
    if (!line.startsWith('| `')) continue;
    const firstCell = line.split('|')[1]!;
    for (const m of firstCell.matchAll(/`([^`]+)`/g)) {
      if (/^POPPY_[A-Z0-9_]+$/.test(m[1]!)) names.add(m[1]!);
      else shorthand.push(m[1]!);
    }
  }
  return { names, shorthand };
}

describe('README configuration table', () => {
  const read = new Map<string, Set<string>>();
  for (const [process, load] of Object.entries(LOADERS)) read.set(process, variablesRead(load));
  const allRead = new Set([...read.values()].flatMap((s) => [...s]));
  const documented = variablesDocumented(fs.readFileSync(README, 'utf8'));

  it('sees the variables of every process (the recording works)', () => {
    for (const [process, names] of read) expect([process, names.size > 3]).toEqual([process, true]);
    expect(allRead.has('POPPY_CASSANDRA_KEYSPACE')).toBe(true); // read only with POPPY_STORE=cassandra
    expect(allRead.has('POPPY_POWERDNS_API_KEY')).toBe(true); // read only with POPPY_DNS_BACKEND=powerdns
  });

  it('writes every variable name in full', () => {
    expect(documented.shorthand).toEqual([]);
  });

  it('documents every variable a config.ts reads', () => {
    const missing = [...allRead]
      .filter((name) => !documented.names.has(name))
      .map((name) => {
        const by = [...read].filter(([, names]) => names.has(name)).map(([p]) => p);
        return `${name} (read by ${by.join(', ')}) has no row in README.md "Configuration"`;
      });
    expect(missing).toEqual([]);
  });

  it('documents no variable that no config.ts reads', () => {
    const stale = [...documented.names]
      .filter((name) => !allRead.has(name))
      .map((name) => `${name} is in README.md "Configuration" but no process reads it`);
    expect(stale).toEqual([]);
  });
});
