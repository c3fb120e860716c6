import type { commonV1 } from '@poppy/contracts';
import {
  emptyConfig,
  fastlyConfigFor,
  planChanges,
  serviceIdOfName,
  serviceNameFor,
  urlRegex,
} from './service-config';

const base = (): commonV1.ServiceSpec => ({
  name: 'site',
  domains: [{ domain: 'www.example.com', protocol: 'http' }],
  origins: [{ origin: 'o.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'domain' }],
  caching: [],
  restrictions: [],
  flavor_id: 'f',
  log_delivery: { enabled: false },
});

describe('urlRegex', () => {
  it.each([
    ['/images/*', '^/images/'],
    ['/a.png', '^/a\\.png$'],
    ['/a/*/b.js', '^/a/.*/b\\.js$'],
    ['img/*', '^/img/'],
  ])('%s → %s', (pattern, regex) => expect(urlRegex(pattern)).toBe(regex));

  it('refuses what cannot be a VCL string', () => expect(urlRegex('/a"b')).toBeUndefined());
});

describe('fastlyConfigFor', () => {
  it('maps domains, the default backend, caching and the surrogate key', () => {
    const { config, unsupported } = fastlyConfigFor('svc-1', {
      ...base(),
      caching: [
        { name: 'all', ttl: 300, rules: [{ name: 'all', request_url: '/*' }] },
        { name: 'img', ttl: 0, rules: [{ name: 'img', request_url: '/img/*' }] },
      ],
    });
    expect(unsupported).toEqual([]);
    expect(config.domain).toEqual([{ name: 'www.example.com', comment: '' }]);
    expect(config.backend).toEqual([
      expect.objectContaining({
        name: 'origin_0',
        address: 'o.example.com',
        port: 80,
        use_ssl: false,
        request_condition: '',
      }),
    ]);
    expect(config.cache_settings).toEqual([
      { name: 'cache_0', action: 'cache', ttl: 300, stale_ttl: 0, cache_condition: '' },
      { name: 'cache_1', action: 'pass', ttl: 0, stale_ttl: 0, cache_condition: 'cache_1_url' },
    ]);
    expect(config.condition).toEqual([
      { name: 'cache_1_url', type: 'CACHE', priority: 21, statement: 'req.url ~ "^/img/"' },
    ]);
    expect(config.header[0].src).toContain('"poppy-svc-1"');
  });

  it('routes an origin with rules by a REQUEST condition, and sets the host header', () => {
    const { config } = fastlyConfigFor('s', {
      ...base(),
      origins: [
        {
          origin: 'api.example.com',
          port: 443,
          ssl: true,
          rules: [
            { name: 'a', request_url: '/api/*' },
            { name: 'b', request_url: '/v2/*' },
          ],
          hostheadertype: 'custom',
          hostheadervalue: 'h.example.com',
        },
        { origin: 'o.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'origin' },
      ],
    });
    expect(config.backend[0]).toMatchObject({
      use_ssl: true,
      ssl_sni_hostname: 'api.example.com',
      override_host: 'h.example.com',
      request_condition: 'origin_0_url',
    });
    expect(config.backend[1]).toMatchObject({
      override_host: 'o.example.com',
      request_condition: '',
    });
    expect(config.condition[0].statement).toBe('(req.url ~ "^/api/") || (req.url ~ "^/v2/")');
  });

  it('turns restrictions into snippets: ACL for client IPs, 403 on referrer/geo', () => {
    const { config, unsupported } = fastlyConfigFor('s', {
      ...base(),
      restrictions: [
        {
          name: 'partners',
          access: 'whitelist',
          rules: [
            { request_url: '/*', referrer: 'partner.example.com' },
            { request_url: '/*', client_ip: '10.0.0.0/8' },
          ],
        },
        {
          name: 'geo',
          access: 'blacklist',
          rules: [{ request_url: '/videos/*', geography: 'France' }],
        },
      ],
    });
    expect(unsupported).toEqual([]);
    const [acls, recv] = config.snippet;
    expect(acls).toMatchObject({
      name: 'poppy_acls',
      type: 'init',
      content: 'acl poppy_acl_0_1 { "10.0.0.0"/8; }',
    });
    expect(recv.type).toBe('recv');
    expect(recv.content).toContain(
      'if (!((req.http.Referer ~ "^https?://([^/]+\\.)?partner\\.example\\.com(:[0-9]+)?(/|$)") || (client.ip ~ poppy_acl_0_1)))',
    );
    expect(recv.content).toContain(
      'if ((req.url ~ "^/videos/") && ((client.geo.country_code == "FR")))',
    );
  });

  it('reports every feature it cannot take', () => {
    const { unsupported } = fastlyConfigFor('s', {
      ...base(),
      origins: [],
      log_delivery: { enabled: true },
      restrictions: [
        {
          name: 'r',
          access: 'blacklist',
          rules: [
            { request_url: '/*', client_ip: 'not-an-ip' },
            { request_url: '/*', geography: 'Atlantis' },
          ],
        },
      ],
    });
    expect(unsupported.map((u) => u.feature).sort()).toEqual([
      'invalid-client-ip',
      'log-delivery',
      'no-origin',
      'unknown-geography',
    ]);
  });

  it('names the service after the Poppy service id, and reads it back', () => {
    expect(serviceNameFor('abc')).toBe('poppy-abc');
    expect(serviceIdOfName('poppy-abc')).toBe('abc');
    expect(serviceIdOfName('someone-else')).toBeUndefined();
  });
});

describe('planChanges', () => {
  it('is empty when Fastly holds the spec, whatever its type quirks', () => {
    const { config } = fastlyConfigFor('s', {
      ...base(),
      caching: [{ name: 'c', ttl: 60, rules: [{ name: 'c', request_url: '/a/*' }] }],
    });
    // Fastly answers ttl/priority as strings, booleans as JSON, and adds fields of its own.
    const fromFastly = structuredClone(config);
    fromFastly.cache_settings[0] = {
      ...fromFastly.cache_settings[0],
      ttl: '60',
      version: '2',
      service_id: 'x',
    };
    fromFastly.condition[0] = { ...fromFastly.condition[0], priority: '20' };
    expect(planChanges(fromFastly, config)).toEqual([]);
  });

  it('creates conditions before what names them, updates changed objects, deletes conditions last', () => {
    const current = fastlyConfigFor('s', {
      ...base(),
      caching: [{ name: 'c', ttl: 60, rules: [{ name: 'c', request_url: '/a/*' }] }],
    }).config;
    const desired = fastlyConfigFor('s', {
      ...base(),
      domains: [{ domain: 'new.example.com', protocol: 'http' }],
      caching: [{ name: 'c', ttl: 30, rules: [{ name: 'c', request_url: '/*' }] }],
      origins: [
        base().origins[0],
        {
          origin: 'api.example.com',
          port: 80,
          ssl: false,
          rules: [{ name: 'a', request_url: '/api/*' }],
          hostheadertype: 'domain',
        },
      ],
    }).config;
    const ops = planChanges(current, desired).map(
      (c) => `${c.op} ${c.kind} ${'name' in c ? c.name : c.object.name}`,
    );
    expect(ops).toEqual([
      'create condition origin_1_url',
      'create domain new.example.com',
      'create backend origin_1',
      'update cache_settings cache_0',
      'delete domain www.example.com',
      'delete condition cache_0_url',
    ]);
  });

  it('builds a whole version from nothing', () => {
    const desired = fastlyConfigFor('s', base()).config;
    expect(planChanges(emptyConfig(), desired).every((c) => c.op === 'create')).toBe(true);
  });
});
