import type { commonV1 } from '@poppy/contracts';
import {
  hostnamesInRules,
  normalisePath,
  pathCondition,
  planService,
  quote,
  refPrefix,
} from './service-plan';

const SERVICE = '6f1c2a9e-0000-4000-8000-00000000abcd';

function spec(overrides: Partial<commonV1.ServiceSpec> = {}): commonV1.ServiceSpec {
  return {
    name: 'shop',
    domains: [
      { domain: 'WWW.Shop.example.org', protocol: 'https', certificate: 'san' },
      { domain: 'static.shop.example.org', protocol: 'http' },
    ],
    origins: [
      {
        origin: 'origin.shop.example.org',
        port: 0,
        ssl: false,
        rules: [],
        hostheadertype: 'domain',
      },
    ],
    caching: [],
    restrictions: [],
    flavor_id: 'cf',
    log_delivery: { enabled: false },
    ...overrides,
  };
}

const HOSTS = 'http.host in {"www.shop.example.org" "static.shop.example.org"}';

describe('planService', () => {
  it('makes a lower-case hostname per domain, https ones flagged for their certificate status', () => {
    expect(planService(SERVICE, spec()).hostnames).toEqual([
      { hostname: 'www.shop.example.org', https: true },
      { hostname: 'static.shop.example.org', https: false },
    ]);
  });

  it('routes every hostname to the default origin, then each origin path, least specific first', () => {
    const plan = planService(
      SERVICE,
      spec({
        origins: [
          {
            origin: 'default.example.net',
            port: 8080,
            ssl: false,
            rules: [],
            hostheadertype: 'domain',
          },
          {
            origin: 'img.example.net',
            port: 0,
            ssl: true,
            rules: [
              { name: 'deep', request_url: '/images/large/*' },
              { name: 'img', request_url: 'images/*' },
            ],
            hostheadertype: 'origin',
          },
          {
            origin: 'api.example.net',
            port: 0,
            ssl: false,
            rules: [{ name: 'api', request_url: '/api/v1/*.json' }],
            hostheadertype: 'custom',
            hostheadervalue: 'api.internal',
          },
        ],
      }),
    );
    expect(plan.unsupported).toEqual([]);
    expect(
      plan.rules.http_request_origin.map((r) => [r.ref, r.expression, r.action_parameters]),
    ).toEqual([
      [
        `${refPrefix(SERVICE)}origin_0`,
        `(${HOSTS})`,
        { origin: { host: 'default.example.net', port: 8080 } },
      ],
      [
        `${refPrefix(SERVICE)}origin_1`,
        `(${HOSTS} and starts_with(http.request.uri.path, "/images/"))`,
        { origin: { host: 'img.example.net', port: 443 }, host_header: 'img.example.net' },
      ],
      [
        `${refPrefix(SERVICE)}origin_2`,
        `(${HOSTS} and http.request.uri.path wildcard "/api/v1/*.json")`,
        { origin: { host: 'api.example.net', port: 80 }, host_header: 'api.internal' },
      ],
      [
        `${refPrefix(SERVICE)}origin_3`,
        `(${HOSTS} and starts_with(http.request.uri.path, "/images/large/"))`,
        { origin: { host: 'img.example.net', port: 443 }, host_header: 'img.example.net' },
      ],
    ]);
    for (const rule of plan.rules.http_request_origin) {
      expect(rule.action).toBe('route');
      expect(rule.description).toContain(SERVICE);
    }
  });

  it('turns caching rules into edge TTL overrides, 0 into no caching', () => {
    const plan = planService(
      SERVICE,
      spec({
        caching: [
          { name: 'never', ttl: 0, rules: [{ name: 'n', request_url: '/cart' }] },
          { name: 'default', ttl: 3600, rules: [] },
        ],
      }),
    );
    expect(
      plan.rules.http_request_cache_settings.map((r) => [r.expression, r.action_parameters]),
    ).toEqual([
      [`(${HOSTS})`, { cache: true, edge_ttl: { mode: 'override_origin', default: 3600 } }],
      [`(${HOSTS} and http.request.uri.path eq "/cart")`, { cache: false }],
    ]);
  });

  it('blocks what a blacklist names and what a whitelist does not, per path and kind', () => {
    const plan = planService(
      SERVICE,
      spec({
        restrictions: [
          {
            name: 'partners',
            access: 'whitelist',
            rules: [
              { request_url: '/media/*', referrer: 'a.example.org' },
              { request_url: '/media/*', referrer: 'b.example.org' },
              { request_url: '/*', client_ip: '203.0.113.0/24' },
            ],
          },
          {
            name: 'geo',
            access: 'blacklist',
            rules: [{ request_url: '/*', geography: 'Germany' }],
          },
        ],
      }),
    );
    expect(plan.unsupported).toEqual([]);
    expect(plan.rules.http_request_firewall_custom.map((r) => [r.action, r.expression])).toEqual([
      [
        'block',
        `(${HOSTS} and starts_with(http.request.uri.path, "/media/") and not (http.referer contains "a.example.org" or http.referer contains "b.example.org"))`,
      ],
      ['block', `(${HOSTS} and not ip.src in {203.0.113.0/24})`],
      ['block', `(${HOSTS} and ip.src.country in {"DE"})`],
    ]);
  });

  it('reports what it cannot express instead of dropping it', () => {
    const plan = planService(
      SERVICE,
      spec({
        origins: [],
        restrictions: [
          {
            name: 'r',
            access: 'blacklist',
            rules: [
              { request_url: '/*', geography: 'Atlantis' },
              { request_url: '/*', client_ip: '10.0.0.300' },
            ],
          },
        ],
        log_delivery: { enabled: true },
      }),
    );
    expect(plan.unsupported.map((u) => u.feature)).toEqual([
      'no-origin',
      'unknown-geography',
      'invalid-client-ip',
      'log-delivery',
    ]);
    expect(plan.rules.http_request_firewall_custom).toEqual([]);
  });

  it('quotes values so a domain or referrer cannot break out of its string', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(pathCondition('/*')).toBeUndefined();
    expect(normalisePath('img/*')).toBe('/img/*');
  });
});

describe('hostnamesInRules', () => {
  it('reads back the host set the service rules were written for, and nothing of other services', () => {
    const plan = planService(SERVICE, spec());
    const rules = [
      {
        ...planService('other', spec({ domains: [{ domain: 'x.example.org', protocol: 'http' }] }))
          .rules.http_request_origin[0],
        id: 'o',
      },
      ...plan.rules.http_request_origin.map((r, i) => ({ ...r, id: String(i) })),
    ];
    expect(hostnamesInRules(rules, SERVICE)).toEqual([
      'www.shop.example.org',
      'static.shop.example.org',
    ]);
    expect(hostnamesInRules(rules, '11111111-2222-3333-4444-555555555555')).toBeUndefined();
  });
});
