import type { Flavor, ProviderDetail, Service } from './model';
import { encodeUriRfc3986, renderFlavor, renderService } from './representation';
import {
  DEFAULT_RULE as defaultRule,
  SERVICE_ID as ID,
  normalisedMinimalSpec,
  storedService as service,
} from './fixtures.test-helper';

const BASE = 'https://api.example.com/v1.0';

const provider = (changes: Partial<ProviderDetail> = {}): ProviderDetail => ({
  access_urls: [],
  status: 'deployed',
  domains_certificate_status: {},
  ...changes,
});

describe('encodeUriRfc3986 (docs/behaviour.md §2.3)', () => {
  it('leaves unreserved characters and reserved delimiters intact', () => {
    const kept = "AZaz09-._~:/?#[]@!$&'()*+,;=";
    expect(encodeUriRfc3986(kept)).toBe(kept);
  });

  it('percent-encodes everything else as UTF-8, upper-case hex', () => {
    expect(encodeUriRfc3986('a b%c"<>\\^`{|}')).toBe('a%20b%25c%22%3C%3E%5C%5E%60%7B%7C%7D');
    expect(encodeUriRfc3986('café✓😀')).toBe('caf%C3%A9%E2%9C%93%F0%9F%98%80');
  });
});

describe('renderService (docs/behaviour.md §4.8)', () => {
  it('renders a just-created service like the reference example, keys in order', () => {
    const body = renderService(service(), BASE);
    const { domains, origins, caching } = normalisedMinimalSpec();
    expect(Object.keys(body)).toEqual([
      'name',
      'id',
      'project_id',
      'domains',
      'origins',
      'restrictions',
      'caching',
      'flavor_id',
      'log_delivery',
      'status',
      'errors',
      'links',
    ]);
    expect(JSON.stringify(body)).toBe(
      JSON.stringify({
        name: 'mysite',
        id: ID,
        project_id: '000123',
        domains,
        origins,
        restrictions: [],
        caching,
        flavor_id: 'cdn',
        log_delivery: { enabled: false },
        status: 'create_in_progress',
        errors: [],
        links: [
          { href: `${BASE}/services/${ID}`, rel: 'self' },
          { href: `${BASE}/flavors/cdn`, rel: 'flavor' },
        ],
      }),
    );
  });

  it('shows the host header value after the type, and omits it when unset', () => {
    const body = renderService(
      service({
        origins: [
          {
            origin: 'a.mysite.com',
            port: 80,
            ssl: false,
            rules: [defaultRule],
            hostheadertype: 'origin',
            hostheadervalue: 'a.mysite.com',
          },
          {
            origin: 'b.mysite.com',
            port: 443,
            ssl: true,
            rules: [{ name: 'b', request_url: '/b' }],
            hostheadertype: 'domain',
          },
        ],
      }),
      BASE,
    );
    const origins = body.origins as Array<Record<string, unknown>>;
    expect(Object.keys(origins[0] as object)).toEqual([
      'origin',
      'port',
      'ssl',
      'rules',
      'hostheadertype',
      'hostheadervalue',
    ]);
    expect(Object.keys(origins[1] as object)).toEqual([
      'origin',
      'port',
      'ssl',
      'rules',
      'hostheadertype',
    ]);
  });

  it('omits the rules of a caching entry that has none', () => {
    const body = renderService(
      service({ caching: [{ name: 'nocache', ttl: 0, rules: [] }] }),
      BASE,
    );
    expect(body.caching).toEqual([{ name: 'nocache', ttl: 0 }]);
  });

  it('renders restriction rules with name and request_url first, then the entity', () => {
    const body = renderService(
      service({
        restrictions: [
          {
            name: 'r',
            access: 'blacklist',
            rules: [
              { referrer: 'www.partner.com', request_url: '/*', name: 'ref' },
              { geography: 'USA', request_url: '/us' },
              { client_ip: '1.2.3.4/24', request_url: '/*', name: 'ip' },
            ],
          },
        ],
      }),
      BASE,
    );
    expect(JSON.stringify(body.restrictions)).toBe(
      JSON.stringify([
        {
          name: 'r',
          access: 'blacklist',
          rules: [
            { name: 'ref', request_url: '/*', referrer: 'www.partner.com' },
            { name: '', request_url: '/us', geography: 'USA' },
            { name: 'ip', request_url: '/*', client_ip: '1.2.3.4/24' },
          ],
        },
      ]),
    );
  });

  it('HTML-escapes names, domains, origins, rule fields and restriction names', () => {
    const body = renderService(
      service({
        name: '<b>me & you</b>',
        domains: [{ domain: 'a<b', protocol: 'http' }],
        origins: [
          {
            origin: 'o>o',
            port: 80,
            ssl: false,
            rules: [{ name: '<r>', request_url: '/<x>' }],
            hostheadertype: 'domain',
          },
        ],
        restrictions: [
          {
            name: 'r&r',
            access: 'whitelist',
            rules: [{ name: 'n', referrer: '<ref>', request_url: '/*' }],
          },
        ],
        caching: [{ name: '<c>', ttl: 1, rules: [{ name: 'c', request_url: '/&' }] }],
      }),
      BASE,
    );
    expect(body.name).toBe('&lt;b&gt;me &amp; you&lt;/b&gt;');
    expect(body.domains).toEqual([{ domain: 'a&lt;b', protocol: 'http' }]);
    expect(body.origins).toEqual([
      {
        origin: 'o&gt;o',
        port: 80,
        ssl: false,
        rules: [{ name: '&lt;r&gt;', request_url: '/&lt;x&gt;' }],
        hostheadertype: 'domain',
      },
    ]);
    expect(body.restrictions).toEqual([
      {
        name: 'r&amp;r',
        access: 'whitelist',
        rules: [{ name: 'n', request_url: '/*', referrer: '&lt;ref&gt;' }],
      },
    ]);
    expect(body.caching).toEqual([
      { name: '&lt;c&gt;', ttl: 1, rules: [{ name: 'c', request_url: '/&amp;' }] },
    ]);
  });

  describe('certificate_status of https domains', () => {
    const domains: Service['domains'] = [
      { domain: 'shop.scdn1.secure.defaultcdn.com', protocol: 'https', certificate: 'shared' },
      { domain: 'secure.mysite.com', protocol: 'https', certificate: 'san' },
      { domain: 'www.mysite.com', protocol: 'http' },
    ];
    const statusOf = (svc: Service) =>
      (renderService(svc, BASE).domains as Array<Record<string, unknown>>).map(
        (d) => d.certificate_status,
      );

    it('shows certificate and status after domain and protocol, for https only', () => {
      const body = renderService(service({ domains }), BASE);
      expect((body.domains as object[]).map((d) => Object.keys(d))).toEqual([
        ['domain', 'protocol', 'certificate', 'certificate_status'],
        ['domain', 'protocol', 'certificate', 'certificate_status'],
        ['domain', 'protocol'],
      ]);
    });

    const recorded = (status: string) =>
      provider({ domains_certificate_status: { 'secure.mysite.com': status } });

    it.each<[string, Service['provider_details'], string]>([
      [
        'is deployed for shared, create_in_progress for others while no provider reported',
        {},
        'create_in_progress',
      ],
      [
        'stays create_in_progress for a managed certificate no provider recorded a value for',
        { Mock: provider() },
        'create_in_progress',
      ],
      ['is the value a provider recorded for the domain', { Akamai: recorded('failed') }, 'failed'],
      [
        'is the value of the last provider that recorded one',
        { A: recorded('failed'), B: recorded('create_in_progress'), C: provider() },
        'create_in_progress',
      ],
    ])('%s', (_title, provider_details, secureStatus) => {
      expect(statusOf(service({ domains, provider_details }))).toEqual([
        'deployed',
        secureStatus,
        undefined,
      ]);
    });
  });

  it('defaults a custom certificate no provider recorded to deployed', () => {
    const body = renderService(
      service({
        domains: [{ domain: 'secure.mysite.com', protocol: 'https', certificate: 'custom' }],
        provider_details: { Mock: provider() },
      }),
      BASE,
    );
    expect((body.domains as Array<Record<string, unknown>>)[0].certificate_status).toBe('deployed');
  });

  describe('status', () => {
    it.each<[string, Partial<Service>, string]>([
      [
        'is the aggregated provider status',
        { provider_details: { A: provider({ status: 'update_in_progress' }) } },
        'update_in_progress',
      ],
      [
        'is disabled while the operator disabled the service',
        { operator_status: 'disabled', provider_details: { A: provider() } },
        'disabled',
      ],
    ])('%s', (_title, changes, status) => {
      expect(renderService(service(changes), BASE).status).toBe(status);
    });
  });

  it('lists one error per provider detail with a non-empty error message, unescaped', () => {
    const body = renderService(
      service({
        provider_details: {
          A: provider({ status: 'failed', error_message: 'Failed after 5 DNS retries <dns>' }),
          B: provider({ error_message: '' }),
          C: provider(),
        },
      }),
      BASE,
    );
    expect(body.errors).toEqual([{ message: 'Failed after 5 DNS retries <dns>' }]);
  });

  it('links self, flavor, each operator URL and each log-delivery container, in order', () => {
    const body = renderService(
      service({
        provider_details: {
          Mock: provider({
            access_urls: [
              {
                domain: 'www.mysite.com',
                provider_url: 'p.cdn.net',
                operator_url: 'www.mysite.com.cdn1.poppycdn.net',
              },
              { domain: 'old.mysite.com', old_operator_url: 'x' },
              {
                log_delivery: [
                  { publicURL: 'https://swift/logs', internalURL: 'https://internal/logs' },
                ],
              },
              { log_delivery: [] },
            ],
          }),
          Other: provider({
            access_urls: [
              { domain: 'img.mysite.com', operator_url: 'img.mysite.com.cdn2.poppycdn.net' },
            ],
          }),
        },
      }),
      BASE,
    );
    expect(body.links).toEqual([
      { href: `${BASE}/services/${ID}`, rel: 'self' },
      { href: `${BASE}/flavors/cdn`, rel: 'flavor' },
      { href: 'www.mysite.com.cdn1.poppycdn.net', rel: 'access_url' },
      { href: 'https://swift/logs', rel: 'log_delivery' },
      { href: 'img.mysite.com.cdn2.poppycdn.net', rel: 'access_url' },
    ]);
  });

  it('percent-encodes the generated links', () => {
    const body = renderService(service({ flavor_id: 'my flavor' }), 'http://h/v1.0/proj ect');
    expect(body.links).toEqual([
      { href: `http://h/v1.0/proj%20ect/services/${ID}`, rel: 'self' },
      { href: 'http://h/v1.0/proj%20ect/flavors/my%20flavor', rel: 'flavor' },
    ]);
  });
});

describe('renderFlavor (docs/behaviour.md §8.2)', () => {
  const flavor: Flavor = {
    id: 'cdn',
    providers: [
      { provider: 'akamai', provider_url: 'http://www.akamai.com' },
      { provider: 'mock', provider_url: 'http://mock' },
    ],
  };

  it('renders id, providers with their provider_url link, and the self link, keys in order', () => {
    expect(JSON.stringify(renderFlavor(flavor, BASE))).toBe(
      JSON.stringify({
        id: 'cdn',
        providers: [
          { provider: 'akamai', links: [{ href: 'http://www.akamai.com', rel: 'provider_url' }] },
          { provider: 'mock', links: [{ href: 'http://mock', rel: 'provider_url' }] },
        ],
        links: [{ href: `${BASE}/flavors/cdn`, rel: 'self' }],
      }),
    );
  });

  it('percent-encodes the id in the self link', () => {
    expect(renderFlavor({ ...flavor, id: 'çdn flavor' }, BASE).links).toEqual([
      { href: `${BASE}/flavors/%C3%A7dn%20flavor`, rel: 'self' },
    ]);
  });
});
