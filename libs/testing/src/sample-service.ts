/**
 * The sample service tests and benchmarks build on: a valid, already normalised configuration
 * (one http domain, one origin, one catch-all cache rule, flavor 'mock'), and the same as the
 * catalog stores it. Each call returns fresh objects; a caller overrides only what its test is
 * about. (libs/domain keeps its own fixtures for normalisation, which cannot import this lib.)
 */
import { randomUUID } from 'node:crypto';
import type { Service, ServiceSpec } from '@poppy/domain';

/** A service configuration as the catalog receives it after normalisation. */
export function sampleServiceSpec(overrides: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name: 'site',
    domains: [{ domain: 'www.site.com', protocol: 'http' }],
    origins: [
      {
        origin: 'origin.site.com',
        port: 80,
        ssl: false,
        rules: [{ name: 'default', request_url: '/*' }],
        hostheadertype: 'domain',
      },
    ],
    caching: [{ name: 'default', ttl: 86400, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'mock',
    log_delivery: { enabled: false },
    ...overrides,
  };
}

/**
 * A stored service just created (generation 1, enabled, no provider has answered yet) with a
 * random id. Its default domain is unique per call (`www.<12 random hex>.example.com`: no
 * collision expected even among the storage benchmark's 100k services), so services built
 * without a `domains` override never collide on a store's domain claim.
 */
export function sampleService(overrides: Partial<Service> = {}): Service {
  return {
    service_id: randomUUID(),
    project_id: 'project-a',
    ...sampleServiceSpec({
      domains: [{ domain: `www.${randomUUID().slice(-12)}.example.com`, protocol: 'http' }],
    }),
    operator_status: 'enabled',
    provider_details: {},
    generation: 1,
    ...overrides,
  };
}
