import type { commonV1 } from '@poppy/contracts';
import { propertyPlanFor, type Rule } from './rule-tree';

const SETTINGS = {
  cpCodeId: 12345,
  edgeHostname: 'poppy.edgesuite.net',
  secureEdgeHostname: 'poppy.edgekey.net',
};

const spec = (over: Partial<commonV1.ServiceSpec> = {}): commonV1.ServiceSpec => ({
  name: 's',
  domains: [{ domain: 'www.example.com', protocol: 'http' }],
  origins: [
    { origin: 'origin.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'domain' },
  ],
  caching: [],
  restrictions: [],
  flavor_id: 'akamai',
  log_delivery: { enabled: false },
  ...over,
});

const behavior = (rule: Rule, name: string) => rule.behaviors.find((b) => b.name === name)?.options;

describe('propertyPlanFor', () => {
  it('puts the default origin, CP code, default TTL and the service cache tag on the default rule', () => {
    const plan = propertyPlanFor('svc-1', spec(), { ...SETTINGS, defaultTtl: 600 });
    expect(plan.unsupported).toEqual([]);
    expect(plan.rules.name).toBe('default');
    expect(behavior(plan.rules, 'origin')).toMatchObject({
      hostname: 'origin.example.com',
      forwardHostHeader: 'REQUEST_HOST_HEADER',
      httpPort: 80,
    });
    expect(behavior(plan.rules, 'cpCode')).toEqual({ value: { id: 12345 } });
    expect(behavior(plan.rules, 'caching')).toEqual({
      behavior: 'MAX_AGE',
      mustRevalidate: false,
      ttl: '600s',
    });
    expect(behavior(plan.rules, 'cacheTag')).toEqual({ tag: 'poppy-svc-1' });
    expect(plan.hostnames).toEqual([
      {
        cnameType: 'EDGE_HOSTNAME',
        cnameFrom: 'www.example.com',
        cnameTo: 'poppy.edgesuite.net',
        certProvisioningType: 'CPS_MANAGED',
      },
    ]);
  });

  it('routes origins by path and sets TTLs per path, the most specific path last', () => {
    const plan = propertyPlanFor(
      'svc',
      spec({
        origins: [
          { origin: 'web.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'origin' },
          {
            origin: 'img.example.com',
            port: 8443,
            ssl: true,
            rules: [{ name: 'i', request_url: 'images/*' }],
            hostheadertype: 'custom',
            hostheadervalue: 'cdn.example.com',
          },
        ],
        caching: [
          { name: 'all', ttl: 300, rules: [{ name: 'a', request_url: '/*' }] },
          { name: 'logo', ttl: 0, rules: [{ name: 'l', request_url: '/images/logo.png' }] },
        ],
      }),
      SETTINGS,
    );
    expect(behavior(plan.rules, 'origin')).toMatchObject({
      hostname: 'web.example.com',
      forwardHostHeader: 'ORIGIN_HOSTNAME',
      cacheKeyHostname: 'ORIGIN_HOSTNAME',
    });
    expect(behavior(plan.rules, 'caching')).toMatchObject({ ttl: '300s' });
    const [images, logo] = plan.rules.children;
    expect(images.criteria).toEqual([
      {
        name: 'path',
        options: expect.objectContaining({
          matchOperator: 'MATCHES_ONE_OF',
          values: ['/images/*'],
        }),
      },
    ]);
    expect(behavior(images, 'origin')).toMatchObject({
      hostname: 'img.example.com',
      httpsPort: 8443,
      forwardHostHeader: 'CUSTOM',
      customForwardHostHeader: 'cdn.example.com',
    });
    expect(logo.criteria?.[0].options.values).toEqual(['/images/logo.png']);
    expect(behavior(logo, 'caching')).toEqual({ behavior: 'NO_STORE' });
  });

  it('turns restrictions into denyAccess rules: whitelist denies what does not match, blacklist what does', () => {
    const plan = propertyPlanFor(
      'svc',
      spec({
        restrictions: [
          {
            name: 'partners',
            access: 'whitelist',
            rules: [
              { name: 'r', request_url: '/*', referrer: 'a.example.com' },
              { name: 'r2', request_url: '/*', referrer: 'b.example.com' },
            ],
          },
          {
            name: 'no-us',
            access: 'blacklist',
            rules: [{ name: 'g', request_url: '/video/*', geography: 'United States' }],
          },
          {
            name: 'office',
            access: 'whitelist',
            rules: [{ name: 'ip', request_url: '/admin/*', client_ip: '192.0.2.0/24' }],
          },
        ],
      }),
      SETTINGS,
    );
    const [referrer, geo, ip] = plan.rules.children;
    expect(referrer.criteria).toEqual([
      {
        name: 'requestHeader',
        options: expect.objectContaining({
          headerName: 'Referer',
          matchOperator: 'IS_NOT_ONE_OF',
          values: ['*a.example.com*', '*b.example.com*'],
        }),
      },
    ]);
    expect(behavior(referrer, 'denyAccess')).toEqual({ enabled: true, reason: 'poppy-whitelist' });
    expect(geo.criteria?.map((c) => c.name)).toEqual(['path', 'userLocation']);
    expect(geo.criteria?.[1].options).toMatchObject({
      field: 'COUNTRY',
      matchOperator: 'IS_ONE_OF',
      countryValues: ['US'],
    });
    expect(ip.criteria?.[1]).toEqual({
      name: 'clientIp',
      options: { matchOperator: 'IS_NOT_ONE_OF', values: ['192.0.2.0/24'], useHeaders: false },
    });
  });

  it('points https domains at the secure edge hostname and marks the property secure', () => {
    const plan = propertyPlanFor(
      'svc',
      spec({ domains: [{ domain: 'secure.example.com', protocol: 'https', certificate: 'san' }] }),
      SETTINGS,
    );
    expect(plan.rules.options).toEqual({ is_secure: true });
    expect(plan.hostnames[0].cnameTo).toBe('poppy.edgekey.net');
  });

  it('names the planned state in comments: equal specs give equal comments, a change a new one', () => {
    const a = propertyPlanFor('svc', spec(), SETTINGS).comments;
    expect(propertyPlanFor('svc', spec(), SETTINGS).comments).toBe(a);
    expect(
      propertyPlanFor('svc', spec({ caching: [{ name: 'x', ttl: 5, rules: [] }] }), SETTINGS)
        .comments,
    ).not.toBe(a);
    expect(a).toMatch(/^poppy service svc spec [0-9a-f]{16}$/);
  });

  it('reports what it cannot express', () => {
    const plan = propertyPlanFor(
      'svc',
      spec({
        origins: [],
        log_delivery: { enabled: true },
        domains: [{ domain: 'c.example.com', protocol: 'https', certificate: 'custom' }],
        restrictions: [
          {
            name: 'g',
            access: 'whitelist',
            rules: [{ name: 'g', request_url: '/*', geography: 'Atlantis' }],
          },
        ],
      }),
      SETTINGS,
    );
    expect(plan.unsupported.map((u) => u.feature).sort()).toEqual([
      'custom-certificate',
      'log-delivery',
      'no-origin',
      'unknown-geography',
    ]);
  });
});
