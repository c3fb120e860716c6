/**
 * Test helper: the minimal service most specs start from — as a client sends it, as
 * normalisation makes it, and as the catalog stores it. Each builder returns fresh objects.
 */
import type { Service, ServiceSpec } from './model';

type Doc = Record<string, unknown>;

/** The catch-all rule an origin or caching entry without rules gets. */
export const DEFAULT_RULE = { name: 'default', request_url: '/*' };

/** Normalisation options with the reference default TTL of one day. */
export const NORMALISE_OPTIONS = { defaultCacheTtl: 86400 };

export const SERVICE_ID = '2b6d0b4a-91b1-4c41-a8c8-8e0f1d6a3b3a';

/** A service document with only the required properties, overridden by `changes`. */
export const minimalServiceDocument = (changes: Doc = {}): Doc => ({
  name: 'mysite',
  domains: [{ domain: 'www.mysite.com' }],
  origins: [{ origin: 'origin.mysite.com' }],
  flavor_id: 'cdn',
  ...changes,
});

/** The minimal document with every default filled in (NORMALISE_OPTIONS), keys in order. */
export const normalisedMinimalSpec = (changes: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'mysite',
  domains: [{ domain: 'www.mysite.com', protocol: 'http' }],
  origins: [
    {
      origin: 'origin.mysite.com',
      port: 80,
      ssl: false,
      rules: [{ ...DEFAULT_RULE }],
      hostheadertype: 'domain',
    },
  ],
  caching: [{ name: 'default', ttl: 86400, rules: [{ ...DEFAULT_RULE }] }],
  restrictions: [],
  flavor_id: 'cdn',
  log_delivery: { enabled: false },
  ...changes,
});

/** The normalised minimal spec as just created in project 000123, no provider reported yet. */
export const storedService = (changes: Partial<Service> = {}): Service => ({
  service_id: SERVICE_ID,
  project_id: '000123',
  ...normalisedMinimalSpec(),
  operator_status: 'enabled',
  provider_details: {},
  generation: 1,
  ...changes,
});
