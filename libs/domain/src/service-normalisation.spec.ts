import {
  normaliseServiceDocument,
  prepareServiceSpec,
  toServiceDocument,
} from './service-normalisation';
import { PATCHABLE_ROOTS } from './service-patch';
import { invalidDetail, schemaMessages } from './rejection.test-helper';
import {
  DEFAULT_RULE as defaultRule,
  NORMALISE_OPTIONS as opts,
  minimalServiceDocument as base,
  normalisedMinimalSpec,
} from './fixtures.test-helper';
import type { ServiceSpec } from './model';

type Doc = Record<string, unknown>;

describe('normaliseServiceDocument (docs/behaviour.md §4.1 defaults, §4.3)', () => {
  it('fills every default of a minimal document (Appendix C step 1)', () => {
    expect(normaliseServiceDocument(base(), opts)).toEqual(normalisedMinimalSpec());
  });

  it('leaves hostheadervalue out when the type is domain', () => {
    const spec = normaliseServiceDocument(
      base({ origins: [{ origin: 'o.mysite.com', hostheadervalue: 'h.mysite.com' }] }),
      opts,
    );
    expect(spec.origins[0]).not.toHaveProperty('hostheadervalue');
  });

  it('sets hostheadervalue to the origin when the type is origin', () => {
    const spec = normaliseServiceDocument(
      base({
        origins: [
          {
            origin: ' o.mysite.com ',
            hostheadertype: 'origin',
            hostheadervalue: 'ignored.mysite.com',
          },
        ],
      }),
      opts,
    );
    expect(spec.origins[0]).toMatchObject({
      origin: 'o.mysite.com',
      hostheadertype: 'origin',
      hostheadervalue: 'o.mysite.com',
    });
  });

  it('keeps a custom hostheadervalue', () => {
    const spec = normaliseServiceDocument(
      base({
        origins: [
          { origin: 'o.mysite.com', hostheadertype: 'custom', hostheadervalue: 'h.mysite.com' },
        ],
      }),
      opts,
    );
    expect(spec.origins[0]?.hostheadervalue).toBe('h.mysite.com');
  });

  it('keeps given origin fields and gives an origin with empty rules the default rule', () => {
    const spec = normaliseServiceDocument(
      base({ origins: [{ origin: 'o.mysite.com', port: 443, ssl: true, rules: [] }] }),
      opts,
    );
    expect(spec.origins[0]).toEqual({
      origin: 'o.mysite.com',
      port: 443,
      ssl: true,
      rules: [defaultRule],
      hostheadertype: 'domain',
    });
  });

  it('lower-cases and trims domains, and keeps the certificate of https domains only', () => {
    const spec = normaliseServiceDocument(
      base({
        domains: [
          { domain: ' WWW.MySite.com ', protocol: 'http', certificate: null },
          { domain: 'MySite', protocol: 'https', certificate: 'shared' },
          { domain: 'secure.mysite.com', protocol: 'https', certificate: 'san' },
        ],
      }),
      opts,
    );
    expect(spec.domains).toEqual([
      { domain: 'www.mysite.com', protocol: 'http' },
      { domain: 'mysite', protocol: 'https', certificate: 'shared' },
      { domain: 'secure.mysite.com', protocol: 'https', certificate: 'san' },
    ]);
  });

  it('trims origins, rule names and request_urls but keeps request_url as given otherwise', () => {
    const spec = normaliseServiceDocument(
      base({
        origins: [{ origin: ' o.mysite.com ', rules: [{ name: ' img ', request_url: ' img ' }] }],
        caching: [{ name: ' c ', ttl: 5, rules: [{ name: ' all ', request_url: ' /x ' }] }],
      }),
      opts,
    );
    expect(spec.origins[0]?.origin).toBe('o.mysite.com');
    expect(spec.origins[0]?.rules).toEqual([{ name: 'img', request_url: 'img' }]);
    expect(spec.caching).toEqual([
      { name: 'c', ttl: 5, rules: [{ name: 'all', request_url: '/x' }] },
    ]);
  });

  it('does not trim the service name', () => {
    expect(normaliseServiceDocument(base({ name: ' my site ' }), opts).name).toBe(' my site ');
  });

  it('uses the configured TTL for the default caching entry, for an absent or empty list', () => {
    expect(normaliseServiceDocument(base(), { defaultCacheTtl: 60 }).caching).toEqual([
      { name: 'default', ttl: 60, rules: [defaultRule] },
    ]);
    expect(
      normaliseServiceDocument(base({ caching: [] }), { defaultCacheTtl: 60 }).caching,
    ).toEqual([{ name: 'default', ttl: 60, rules: [defaultRule] }]);
  });

  it('keeps an empty caching list when told not to default it (PATCH)', () => {
    expect(
      normaliseServiceDocument(base({ caching: [] }), { ...opts, defaultCaching: false }).caching,
    ).toEqual([]);
  });

  it('gives a caching entry without rules the default rule', () => {
    expect(
      normaliseServiceDocument(base({ caching: [{ name: 'short', ttl: 10 }] }), opts).caching,
    ).toEqual([{ name: 'short', ttl: 10, rules: [defaultRule] }]);
  });

  it('defaults restriction access to whitelist and rule request_url to /*, trimming names and values', () => {
    const spec = normaliseServiceDocument(
      base({
        restrictions: [
          {
            name: ' r ',
            rules: [
              { name: ' ref ', referrer: ' www.partner.com ' },
              { geography: ' USA ', request_url: ' /us ' },
              { client_ip: '1.2.3.4/24' },
            ],
          },
          { name: 'b', access: 'blacklist', rules: [] },
        ],
      }),
      opts,
    );
    expect(spec.restrictions).toEqual([
      {
        name: 'r',
        access: 'whitelist',
        rules: [
          { name: 'ref', referrer: 'www.partner.com', request_url: '/*' },
          { geography: 'USA', request_url: '/us' },
          { client_ip: '1.2.3.4/24', request_url: '/*' },
        ],
      },
      { name: 'b', access: 'blacklist', rules: [] },
    ]);
  });

  it.each([
    ['rejects a geography outside the geo zones', 'Kenya', 'Kenya'],
    ['HTML-escapes the geography it rejects', '<x>', '&lt;x&gt;'],
  ])('%s', (_title, geography, shown) => {
    expect(
      invalidDetail(() =>
        normaliseServiceDocument(
          base({ restrictions: [{ name: 'r', rules: [{ geography }] }] }),
          opts,
        ),
      ),
    ).toBe(`Country/Area ${shown} is not supported in geo zones`);
  });

  it('keeps log_delivery enabled', () => {
    expect(
      normaliseServiceDocument(base({ log_delivery: { enabled: true } }), opts).log_delivery,
    ).toEqual({ enabled: true });
  });

  it('ignores fields a client may not choose (docs/behaviour.md D-5)', () => {
    const spec = normaliseServiceDocument(
      base({
        service_id: '00000000-0000-0000-0000-000000000001',
        project_id: 'other',
        status: 'deployed',
        operator_status: 'disabled',
        provider_details: { Mock: {} },
      }),
      opts,
    );
    expect(Object.keys(spec).sort()).toEqual([...PATCHABLE_ROOTS].sort());
  });
});

describe('toServiceDocument', () => {
  const spec = (): ServiceSpec => ({
    name: 'mysite',
    domains: [
      { domain: 'www.mysite.com', protocol: 'http' },
      { domain: 'mysite', protocol: 'https', certificate: 'shared' },
    ],
    origins: [
      {
        origin: 'o.mysite.com',
        port: 80,
        ssl: false,
        rules: [defaultRule],
        hostheadertype: 'domain',
      },
      {
        origin: 'p.mysite.com',
        port: 443,
        ssl: true,
        rules: [{ name: 'p', request_url: '/p' }],
        hostheadertype: 'origin',
        hostheadervalue: 'p.mysite.com',
      },
    ],
    caching: [{ name: 'default', ttl: 60, rules: [defaultRule] }],
    restrictions: [
      {
        name: 'r',
        access: 'whitelist',
        rules: [
          { name: 'ref', referrer: 'www.partner.com', request_url: '/*' },
          { geography: 'USA', request_url: '/*' },
        ],
      },
    ],
    flavor_id: 'cdn',
    log_delivery: { enabled: false },
  });

  it('renders the spec as a plain JSON object without undefined keys', () => {
    const doc = toServiceDocument(spec());
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    expect(doc).toEqual(spec());
  });

  it('reduces a stored service to its spec fields', () => {
    const service = {
      ...spec(),
      service_id: 'x',
      project_id: 'p',
      operator_status: 'enabled',
      provider_details: {},
      generation: 1,
    };
    expect(Object.keys(toServiceDocument(service))).toEqual(PATCHABLE_ROOTS);
  });

  it('round-trips through normalisation unchanged', () => {
    expect(normaliseServiceDocument(toServiceDocument(spec()), opts)).toEqual(spec());
  });
});

describe('prepareServiceSpec (POST: validate, default, validate again)', () => {
  it('returns the normalised spec of a valid body', () => {
    expect(prepareServiceSpec(base(), opts).caching).toEqual([
      { name: 'default', ttl: 86400, rules: [defaultRule] },
    ]);
  });

  it('rejects a raw body that fails the schema, before any default is applied', () => {
    expect(schemaMessages(() => prepareServiceSpec(base({ name: 'ab' }), opts))).toEqual([
      "['name']-'ab' is too short",
    ]);
  });

  it.each<[string, Doc, string]>([
    [
      'rejects a second origin without rules: its default /* collides with the first',
      { origins: [{ origin: 'a.mysite.com' }, { origin: 'b.mysite.com' }] },
      'The path /* already exists for another origin on this service',
    ],
    [
      'rejects a caching entry without rules next to the default-path entry',
      {
        caching: [
          { name: 'a', ttl: 1 },
          { name: 'b', ttl: 2, rules: [{ name: 'all', request_url: '/*' }] },
        ],
      },
      'The path /* already exists for another caching rule on this service',
    ],
    [
      'rejects request paths that collide only after trimming',
      {
        origins: [
          {
            origin: 'a.mysite.com',
            rules: [
              { name: 'a', request_url: '/x' },
              { name: 'b', request_url: '/x ' },
            ],
          },
        ],
      },
      'The path /x already exists for another origin on this service',
    ],
    [
      'rejects an IPv4 origin with hostheadertype origin: the copied host header is not a domain',
      { origins: [{ origin: '1.2.3.4', hostheadertype: 'origin' }] },
      'The host header 1.2.3.4 is not valid',
    ],
    [
      'rejects an unsupported geography',
      { restrictions: [{ name: 'r', rules: [{ geography: 'Jordan' }] }] },
      'Country/Area Jordan is not supported in geo zones',
    ],
  ])('%s', (_title, changes, message) => {
    expect(invalidDetail(() => prepareServiceSpec(base(changes), opts))).toBe(message);
  });
});
