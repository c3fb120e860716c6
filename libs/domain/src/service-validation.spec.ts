import {
  jsonShape,
  MAX_OBJECT_MEMBERS,
  MAX_JSON_DEPTH,
  parseJsonText,
  validateServiceDocument,
} from './service-validation';
import { invalidDetail, rejection, schemaMessages } from './rejection.test-helper';
import { minimalServiceDocument as base } from './fixtures.test-helper';

type Doc = Record<string, unknown>;

const accepts = (doc: Doc): void => expect(() => validateServiceDocument(doc)).not.toThrow();
const schemaErrorsOf = (doc: unknown): string[] =>
  schemaMessages(() => validateServiceDocument(doc));
const semanticErrorOf = (doc: Doc): unknown => invalidDetail(() => validateServiceDocument(doc));

const referrerRule = (referrer: string, request_url?: string) => ({
  name: `r-${referrer}`,
  referrer,
  ...(request_url === undefined ? {} : { request_url }),
});

describe('parseJsonText', () => {
  it('returns the parsed value when the text is JSON', () => {
    expect(parseJsonText('{"a": [1]}')).toEqual({ a: [1] });
  });

  it.each(['', '{', "{'a': 1}", 'undefined'])('rejects %j with Invalid JSON string', (text) => {
    expect(invalidDetail(() => parseJsonText(text))).toBe('Invalid JSON string');
  });
});

describe('validateServiceDocument: schema (docs/behaviour.md §4.1)', () => {
  it('accepts the minimal document', () => {
    accepts(base());
  });

  it('accepts unknown top-level properties, including ones a client may not set (docs/behaviour.md D-5)', () => {
    accepts(base({ service_id: 'not-a-uuid', status: 'deployed', provider_details: {}, foo: 1 }));
  });

  it('rejects a body that is not an object', () => {
    expect(schemaErrorsOf(['x'])).toEqual(["-['x'] is not of type 'object'"]);
  });

  it('reports every missing required property together', () => {
    expect(schemaErrorsOf({})).toEqual([
      "['name']-'name' is a required property",
      "['domains']-'domains' is a required property",
      "['origins']-'origins' is a required property",
      "['flavor_id']-'flavor_id' is a required property",
    ]);
  });

  it('rejects a name shorter than 3 or longer than 256 characters', () => {
    expect(schemaErrorsOf(base({ name: 'ab' }))).toEqual(["['name']-'ab' is too short"]);
    expect(schemaErrorsOf(base({ name: 'n'.repeat(257) }))).toEqual([
      `['name']-'${'n'.repeat(257)}' is too long`,
    ]);
  });

  it('rejects an empty flavor_id', () => {
    expect(schemaErrorsOf(base({ flavor_id: '' }))).toEqual(["['flavor_id']-'' is too short"]);
  });

  describe('domain shapes A–D', () => {
    it.each([
      ['A: domain only', { domain: 'www.mysite.com' }],
      ['B: http', { domain: 'www.mysite.com', protocol: 'http' }],
      [
        'B: http with a null certificate',
        { domain: 'www.mysite.com', protocol: 'http', certificate: null },
      ],
      [
        'C: https on the shared certificate',
        { domain: 'mysite', protocol: 'https', certificate: 'shared' },
      ],
      ['D: https with san', { domain: 'www.mysite.com', protocol: 'https', certificate: 'san' }],
      ['D: https with sni', { domain: 'www.mysite.com', protocol: 'https', certificate: 'sni' }],
      [
        'D: https with custom',
        { domain: 'www.mysite.com', protocol: 'https', certificate: 'custom' },
      ],
    ])('accepts shape %s', (_shape, domain) => {
      accepts(base({ domains: [domain] }));
    });

    it.each([
      ['https without a certificate', { domain: 'www.mysite.com', protocol: 'https' }],
      [
        'http with a certificate',
        { domain: 'www.mysite.com', protocol: 'http', certificate: 'san' },
      ],
      [
        'the dedicated certificate type',
        { domain: 'www.mysite.com', protocol: 'https', certificate: 'dedicated' },
      ],
      ['an unknown protocol', { domain: 'www.mysite.com', protocol: 'ftp' }],
      ['a certificate without a protocol', { domain: 'www.mysite.com', certificate: 'shared' }],
      ['an extra property', { domain: 'www.mysite.com', cname: 'x' }],
      ['a domain of 2 characters', { domain: 'ab' }],
      ['a domain of 254 characters', { domain: 'a'.repeat(254) }],
      ['a string instead of an object', 'www.mysite.com'],
    ])('rejects %s once, as a failed oneOf', (_why, domain) => {
      const messages = schemaErrorsOf(base({ domains: [domain] }));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(
        /^\['domains'\]\[0\]-.* is not valid under any of the given schemas$/,
      );
    });

    it('quotes the failing domain object as Python would', () => {
      expect(
        schemaErrorsOf(
          base({
            domains: [{ domain: 'www.mysite.com', protocol: 'https', certificate: 'dedicated' }],
          }),
        ),
      ).toEqual([
        "['domains'][0]-{'domain': 'www.mysite.com', 'protocol': 'https', 'certificate': 'dedicated'} is not valid under any of the given schemas",
      ]);
    });

    it('requires 1 to 10 domains', () => {
      expect(schemaErrorsOf(base({ domains: [] }))).toEqual(["['domains']-[] is too short"]);
      const eleven = Array.from({ length: 11 }, (_, i) => ({ domain: `www${i}.mysite.com` }));
      expect(schemaErrorsOf(base({ domains: eleven }))).toEqual([
        expect.stringMatching(/^\['domains'\]-\[.*\] is too long$/),
      ]);
    });
  });

  describe('origins', () => {
    it('accepts every optional field', () => {
      accepts(
        base({
          origins: [
            {
              origin: 'origin.mysite.com',
              port: 443,
              ssl: true,
              rules: [{ name: 'all', request_url: '/*' }],
              hostheadertype: 'custom',
              hostheadervalue: 'host.mysite.com',
            },
          ],
        }),
      );
    });

    it('requires 1 to 10 origins', () => {
      expect(schemaErrorsOf(base({ origins: [] }))).toEqual(["['origins']-[] is too short"]);
    });

    it('reports the field errors of an origin together', () => {
      expect(
        schemaErrorsOf(
          base({
            origins: [{ port: 8080, ssl: 'yes', hostheadertype: 'host', rules: [{ name: '' }] }],
          }),
        ),
      ).toEqual([
        "['origins'][0]['port']-8080 is not one of [80, 443]",
        "['origins'][0]['ssl']-'yes' is not of type 'boolean'",
        "['origins'][0]['hostheadertype']-'host' is not one of ['domain', 'origin', 'custom']",
        "['origins'][0]['rules'][0]['name']-'' is too short",
        "['origins'][0]['rules'][0]['request_url']-'request_url' is a required property",
        "['origins'][0]['origin']-'origin' is a required property",
      ]);
    });

    it('rejects a port that is not an integer', () => {
      expect(
        schemaErrorsOf(base({ origins: [{ origin: 'origin.mysite.com', port: '80' }] })),
      ).toEqual([
        "['origins'][0]['port']-'80' is not of type 'integer'",
        "['origins'][0]['port']-'80' is not one of [80, 443]",
      ]);
    });

    it('requires hostheadervalue when hostheadertype is custom', () => {
      expect(
        schemaErrorsOf(
          base({ origins: [{ origin: 'origin.mysite.com', hostheadertype: 'custom' }] }),
        ),
      ).toEqual(["['origins'][0]['hostheadervalue']-'hostheadervalue' is a required property"]);
      expect(
        schemaErrorsOf(
          base({
            origins: [
              { origin: 'origin.mysite.com', hostheadertype: 'custom', hostheadervalue: null },
            ],
          }),
        ),
      ).toEqual(["['origins'][0]['hostheadervalue']-None is not of type 'string'"]);
    });

    it('accepts a null hostheadervalue for the other host header types', () => {
      accepts(
        base({
          origins: [
            { origin: 'origin.mysite.com', hostheadertype: 'domain', hostheadervalue: null },
          ],
        }),
      );
    });

    it('rejects an origin shorter than 3 characters', () => {
      expect(schemaErrorsOf(base({ origins: [{ origin: 'ab' }] }))).toEqual([
        "['origins'][0]['origin']-'ab' is too short",
      ]);
    });
  });

  describe('caching', () => {
    const entry = (name: string, rules?: unknown) => ({
      name,
      ttl: 60,
      ...(rules === undefined ? {} : { rules }),
    });

    it('accepts a first entry without rules or with no rules', () => {
      accepts(base({ caching: [entry('a')] }));
      accepts(base({ caching: [entry('a', [])] }));
    });

    it('requires rules on every later entry', () => {
      expect(schemaErrorsOf(base({ caching: [entry('a'), entry('b')] }))).toEqual([
        "['caching'][1]['rules']-'rules' is a required property",
      ]);
    });

    it('requires at least one rule on every later entry', () => {
      expect(schemaErrorsOf(base({ caching: [entry('a'), entry('b', [])] }))).toEqual([
        "['caching'][1]['rules']-[] is too short",
      ]);
    });

    it('accepts later entries with rules', () => {
      accepts(
        base({ caching: [entry('a'), entry('b', [{ name: 'img', request_url: '/img/*' }])] }),
      );
    });

    it('bounds the ttl to 0..31536000 seconds', () => {
      accepts(base({ caching: [{ name: 'a', ttl: 0 }] }));
      accepts(base({ caching: [{ name: 'a', ttl: 31536000 }] }));
      expect(schemaErrorsOf(base({ caching: [{ name: 'a', ttl: 31536001 }] }))).toEqual([
        "['caching'][0]['ttl']-31536001 is greater than the maximum of 31536000",
      ]);
      expect(schemaErrorsOf(base({ caching: [{ name: 'a', ttl: -1 }] }))).toEqual([
        "['caching'][0]['ttl']--1 is less than the minimum of 0",
      ]);
      expect(schemaErrorsOf(base({ caching: [{ name: 'a', ttl: 'x' }] }))).toEqual([
        "['caching'][0]['ttl']-'x' is not of type 'integer'",
      ]);
    });

    it('requires a name and a ttl', () => {
      expect(schemaErrorsOf(base({ caching: [{}] }))).toEqual([
        "['caching'][0]['name']-'name' is a required property",
        "['caching'][0]['ttl']-'ttl' is a required property",
      ]);
    });

    it('rejects identical entries', () => {
      const rules = [{ name: 'r', request_url: '/r' }];
      expect(schemaErrorsOf(base({ caching: [entry('a', rules), entry('a', rules)] }))).toEqual([
        "['caching']-[{'name': 'a', 'ttl': 60, 'rules': [{'name': 'r', 'request_url': '/r'}]}, {'name': 'a', 'ttl': 60, 'rules': [{'name': 'r', 'request_url': '/r'}]}] has non-unique elements",
      ]);
    });
  });

  describe('restrictions', () => {
    const restriction = (rules: unknown[], access?: string) => ({
      name: 'r',
      ...(access === undefined ? {} : { access }),
      rules,
    });

    it('accepts each rule kind, with and without request_url', () => {
      accepts(
        base({
          restrictions: [
            restriction([
              { name: 'ref', referrer: 'www.partner.com' },
              { name: 'ref2', referrer: 'www.partner2.com', request_url: '/p' },
              { geography: 'USA' },
              { name: 'geo', geography: 'Japan', request_url: '/jp' },
              { client_ip: '1.2.3.4/24' },
              { name: 'ip6', client_ip: 'fe80::1%eth0', request_url: '/ip' },
            ]),
          ],
        }),
      );
    });

    it('accepts a restriction with no rules', () => {
      accepts(base({ restrictions: [restriction([])] }));
    });

    it('requires a name and rules, and access to be whitelist or blacklist', () => {
      expect(schemaErrorsOf(base({ restrictions: [{ access: 'greylist' }] }))).toEqual([
        "['restrictions'][0]['access']-'greylist' is not one of ['whitelist', 'blacklist']",
        "['restrictions'][0]['name']-'name' is a required property",
        "['restrictions'][0]['rules']-'rules' is a required property",
      ]);
    });

    it.each([
      ['a referrer rule without a name', { referrer: 'www.partner.com' }],
      ['a referrer of 2 characters', { name: 'n', referrer: 'ab' }],
      ['two entities in one rule', { name: 'n', referrer: 'www.partner.com', geography: 'USA' }],
      ['an http_host rule', { name: 'n', http_host: 'www.partner.com' }],
      ['an http_method rule', { name: 'n', http_method: 'GET' }],
      ['a geography rule with a 1-character request_url', { geography: 'USA', request_url: '/' }],
      [
        'a client_ip rule with a 101-character request_url',
        { client_ip: '1.2.3.4', request_url: `/${'a'.repeat(100)}` },
      ],
      ['an invalid client_ip', { client_ip: '1.2.3.4/33' }],
      ['a client_ip host name', { client_ip: 'www.partner.com' }],
      ['a rule without an entity', { name: 'n', request_url: '/x' }],
    ])('rejects %s once, as a failed oneOf', (_why, rule) => {
      const messages = schemaErrorsOf(base({ restrictions: [restriction([rule])] }));
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(
        /^\['restrictions'\]\[0\]\['rules'\]\[0\]-\{.*\} is not valid under any of the given schemas$/,
      );
    });
  });

  describe('log_delivery', () => {
    it('accepts enabled true or false', () => {
      accepts(base({ log_delivery: { enabled: true } }));
      accepts(base({ log_delivery: { enabled: false } }));
    });

    it('requires enabled when the object is present, as a boolean', () => {
      expect(schemaErrorsOf(base({ log_delivery: {} }))).toEqual([
        "['log_delivery']['enabled']-'enabled' is a required property",
      ]);
      expect(schemaErrorsOf(base({ log_delivery: { enabled: 'yes' } }))).toEqual([
        "['log_delivery']['enabled']-'yes' is not of type 'boolean'",
      ]);
    });
  });

  it('reports the errors of the whole document together, in document order', () => {
    expect(
      schemaErrorsOf({
        name: 'ab',
        domains: [{ domain: 'www.mysite.com', protocol: 'https' }],
        origins: [{ origin: 'origin.mysite.com', port: 3 }],
        caching: [
          { name: 'a', ttl: 1 },
          { name: 'b', ttl: 1 },
        ],
        log_delivery: {},
      }),
    ).toEqual([
      "['name']-'ab' is too short",
      "['domains'][0]-{'domain': 'www.mysite.com', 'protocol': 'https'} is not valid under any of the given schemas",
      "['origins'][0]['port']-3 is not one of [80, 443]",
      "['caching'][1]['rules']-'rules' is a required property",
      "['log_delivery']['enabled']-'enabled' is a required property",
      "['flavor_id']-'flavor_id' is a required property",
    ]);
  });

  it('HTML-escapes schema messages', () => {
    expect(schemaErrorsOf(base({ name: '<>' }))).toEqual(["['name']-'&lt;&gt;' is too short"]);
  });
});

describe('validateServiceDocument: semantic checks (docs/behaviour.md §4.2)', () => {
  const origin = (name: string, extra: Doc = {}) => ({ origin: name, ...extra });
  const rules = (...urls: string[]) =>
    urls.map((request_url, i) => ({ name: `r${i}`, request_url }));

  describe('1a: origins are unique by scheme and name', () => {
    it('rejects the same origin twice', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('o.mysite.com', { rules: rules('/a') }),
              origin('o.mysite.com', { rules: rules('/b') }),
            ],
          }),
        ),
      ).toBe('The origin http://o.mysite.com already exists for another origin on this service');
    });

    it('names the https scheme when ssl is true', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('o.mysite.com', { ssl: true, rules: rules('/a') }),
              origin('o.mysite.com', { ssl: true, rules: rules('/b') }),
            ],
          }),
        ),
      ).toBe('The origin https://o.mysite.com already exists for another origin on this service');
    });

    it('accepts the same name once with and once without ssl', () => {
      accepts(
        base({
          origins: [
            origin('o.mysite.com', { rules: rules('/a') }),
            origin('o.mysite.com', { ssl: true, rules: rules('/b') }),
          ],
        }),
      );
    });
  });

  describe('1b: origin rule paths are unique across all origins', () => {
    it('rejects the same path on two origins', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('a.mysite.com', { rules: rules('/img') }),
              origin('b.mysite.com', { rules: rules('/img') }),
            ],
          }),
        ),
      ).toBe('The path /img already exists for another origin on this service');
    });

    it('treats a path without a leading slash as the same path', () => {
      expect(
        semanticErrorOf(
          base({ origins: [origin('a.mysite.com', { rules: rules('img', '/img') })] }),
        ),
      ).toBe('The path /img already exists for another origin on this service');
      expect(
        semanticErrorOf(base({ origins: [origin('a.mysite.com', { rules: rules('*', '/*') })] })),
      ).toBe('The path /* already exists for another origin on this service');
    });

    it('checks an origin before the rules of the next origin', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('a.mysite.com', { rules: rules('/x') }),
              origin('a.mysite.com', { rules: rules('/x') }),
            ],
          }),
        ),
      ).toBe('The origin http://a.mysite.com already exists for another origin on this service');
    });
  });

  describe('2: caching rule paths are unique across all caching entries', () => {
    it('rejects the same path twice, with or without the slash', () => {
      expect(
        semanticErrorOf(
          base({
            caching: [
              { name: 'a', ttl: 1, rules: rules('/img') },
              { name: 'b', ttl: 2, rules: rules('img') },
            ],
          }),
        ),
      ).toBe('The path /img already exists for another caching rule on this service');
    });
  });

  describe('3: domains are unique within the request', () => {
    it('rejects the same domain twice (with the original wording)', () => {
      expect(
        semanticErrorOf(
          base({
            domains: [{ domain: 'www.mysite.com' }, { domain: 'www.mysite.com', protocol: 'http' }],
          }),
        ),
      ).toBe('The domain www.mysite.com already exists on another service');
    });
  });

  describe('4: domains are valid', () => {
    it.each([
      ['upper case', 'Www.mysite.com'],
      ['a trailing newline (docs/behaviour.md D-17)', 'www.mysite.com\n'],
      ['a wildcard', '*.mysite.com'],
      ['a single label outside shape C', 'mysite'],
    ])('rejects %s', (_why, domain) => {
      expect(semanticErrorOf(base({ domains: [{ domain }] }))).toBe(
        `Domain ${domain} is not a valid domain`,
      );
    });

    it('applies the single-label pattern to shared-SSL domains', () => {
      accepts(base({ domains: [{ domain: 'mysite', protocol: 'https', certificate: 'shared' }] }));
      expect(
        semanticErrorOf(
          base({
            domains: [{ domain: 'www.mysite.com', protocol: 'https', certificate: 'shared' }],
          }),
        ),
      ).toBe('Domain www.mysite.com is not a valid domain');
    });

    it('HTML-escapes the echoed domain', () => {
      expect(semanticErrorOf(base({ domains: [{ domain: '<b>.com' }] }))).toBe(
        'Domain &lt;b&gt;.com is not a valid domain',
      );
    });
  });

  describe('5: no origin equals a domain', () => {
    it('rejects an origin equal to a domain, ignoring case and surrounding spaces', () => {
      expect(semanticErrorOf(base({ origins: [origin(' WWW.mysite.com ', { port: 80 })] }))).toBe(
        "Domains and origins cannot be same: {'origin': ' WWW.mysite.com ', 'port': 80}",
      );
    });

    it('names the origin that clashes', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('www.mysite.com', { rules: rules('/a') }),
              origin('o.mysite.com', { rules: rules('/b') }),
            ],
          }),
        ),
      ).toBe(
        "Domains and origins cannot be same: {'origin': 'www.mysite.com', 'rules': [{'name': 'r0', 'request_url': '/a'}]}",
      );
    });
  });

  describe('6: origins are domain names or IPv4 addresses', () => {
    it.each(['1.2.3.4', '01.2.3.4', 'origin.example.org'])('accepts %j', (name) => {
      accepts(base({ origins: [origin(name)] }));
    });

    it.each([
      'http://origin.mysite.com',
      'origin.mysite.com/path',
      '::1',
      '256.1.1.1',
      'Origin.mysite.com',
      'origin',
    ])('rejects %j', (name) => {
      expect(semanticErrorOf(base({ origins: [origin(name)] }))).toBe(
        `Origin ${name} is not valid`,
      );
    });
  });

  describe('7: no root domains', () => {
    it('rejects a root domain with the subdomain hint', () => {
      expect(semanticErrorOf(base({ domains: [{ domain: 'mysite.co.uk' }] }))).toBe(
        'mysite.co.uk is a root domain. Most DNS providers do not allow setting a CNAME on a root domain. Please add a subdomain (e.g. www.mysite.co.uk)',
      );
    });

    it('accepts a subdomain of a country second level', () => {
      accepts(base({ domains: [{ domain: 'www.mysite.co.uk' }] }));
    });

    it('checks https domains with their own certificate too', () => {
      expect(
        semanticErrorOf(
          base({ domains: [{ domain: 'mysite.com', protocol: 'https', certificate: 'san' }] }),
        ),
      ).toMatch(/^mysite\.com is a root domain\./);
    });
  });

  describe('8: host header values are domain names', () => {
    it('rejects an invalid custom host header', () => {
      expect(
        semanticErrorOf(
          base({
            origins: [
              origin('o.mysite.com', { hostheadertype: 'custom', hostheadervalue: 'bad_host.com' }),
            ],
          }),
        ),
      ).toBe('The host header bad_host.com is not valid');
    });

    it('rejects an invalid host header whatever the type', () => {
      expect(
        semanticErrorOf(
          base({ origins: [origin('o.mysite.com', { hostheadervalue: '1.2.3.4' })] }),
        ),
      ).toBe('The host header 1.2.3.4 is not valid');
    });

    it('accepts a null host header', () => {
      accepts(base({ origins: [origin('o.mysite.com', { hostheadervalue: null })] }));
    });
  });

  describe('9: a URL may not whitelist and blacklist the same entity type', () => {
    const restriction = (rulesList: unknown[], access?: 'whitelist' | 'blacklist') => ({
      name: `restriction-${access ?? 'default'}`,
      ...(access === undefined ? {} : { access }),
      rules: rulesList,
    });

    it.each<[string, unknown[], string]>([
      [
        'rejects a blacklist followed by a whitelist of the same type on the same URL, at once',
        [
          restriction([referrerRule('a.partner.com')], 'blacklist'),
          restriction([referrerRule('b.partner.com')], 'whitelist'),
        ],
        'Cannot blacklist and whitelist referrer on /* at the same time',
      ],
      [
        'rejects a whitelist followed by a blacklist of the same type, listing the types',
        [
          restriction([referrerRule('a.partner.com')], 'whitelist'),
          restriction([referrerRule('b.partner.com')], 'blacklist'),
        ],
        "Cannot blacklist and whitelist ['referrer'] on /* at the same time",
      ],
      [
        'compares entity types, not values: a country and a region conflict',
        [
          restriction([{ geography: 'EMEA(Europe, Middle East and Africa)' }], 'blacklist'),
          restriction([{ geography: 'USA' }], 'whitelist'),
        ],
        'Cannot blacklist and whitelist geography on /* at the same time',
      ],
      [
        'compares URLs with the leading slash added',
        [
          restriction([{ client_ip: '1.2.3.4', request_url: 'img' }], 'blacklist'),
          restriction([{ client_ip: '5.6.7.8', request_url: '/img' }], 'whitelist'),
        ],
        'Cannot blacklist and whitelist client_ip on /img at the same time',
      ],
    ])('%s', (_title, restrictions, message) => {
      expect(semanticErrorOf(base({ restrictions }))).toBe(message);
    });

    it.each<[string, unknown[]]>([
      [
        'accepts the same entity type on different URLs',
        [
          restriction([referrerRule('a.partner.com', '/images')], 'blacklist'),
          restriction([referrerRule('a.partner.com', '/videos')], 'whitelist'),
        ],
      ],
      [
        'accepts different entity types on the same URL',
        [
          restriction([referrerRule('a.partner.com')], 'whitelist'),
          restriction([{ client_ip: '1.2.3.4' }], 'blacklist'),
        ],
      ],
      [
        'accepts the same entity type twice in the same list (duplicate paths are allowed)',
        [
          restriction([referrerRule('a.partner.com'), referrerRule('b.partner.com')], 'blacklist'),
          restriction([referrerRule('c.partner.com')], 'blacklist'),
        ],
      ],
    ])('%s', (_title, restrictions) => {
      accepts(base({ restrictions }));
    });

    it('treats a restriction without access as a whitelist (docs/behaviour.md D-3)', () => {
      accepts(
        base({
          restrictions: [
            restriction([referrerRule('a.partner.com')]),
            restriction([referrerRule('b.partner.com')], 'whitelist'),
          ],
        }),
      );
      expect(
        semanticErrorOf(
          base({
            restrictions: [
              restriction([referrerRule('a.partner.com')], 'blacklist'),
              restriction([referrerRule('b.partner.com')]),
            ],
          }),
        ),
      ).toBe('Cannot blacklist and whitelist referrer on /* at the same time');
    });
  });

  describe('10: referrers are domain names', () => {
    it('rejects a referrer with a scheme', () => {
      expect(
        semanticErrorOf(
          base({ restrictions: [{ name: 'r', rules: [referrerRule('http://partner.com')] }] }),
        ),
      ).toBe('Referrer http://partner.com is not a valid domain');
    });

    it('checks a restriction’s referrers before the next restriction’s conflicts', () => {
      expect(
        semanticErrorOf(
          base({
            restrictions: [
              { name: 'a', access: 'blacklist', rules: [referrerRule('bad_referrer.com')] },
              { name: 'b', access: 'whitelist', rules: [referrerRule('good.partner.com')] },
            ],
          }),
        ),
      ).toBe('Referrer bad_referrer.com is not a valid domain');
    });

    it('checks a restriction’s conflicts before its own referrers', () => {
      expect(
        semanticErrorOf(
          base({
            restrictions: [
              { name: 'a', access: 'blacklist', rules: [referrerRule('a.partner.com')] },
              { name: 'b', access: 'whitelist', rules: [referrerRule('bad_referrer.com')] },
            ],
          }),
        ),
      ).toBe('Cannot blacklist and whitelist referrer on /* at the same time');
    });
  });

  it('reports only the first failing check, in the docs/behaviour.md §4.2 order', () => {
    expect(
      semanticErrorOf(
        base({
          domains: [{ domain: 'mysite.com' }, { domain: 'BAD' }],
          origins: [
            origin('o.mysite.com', { rules: rules('/a') }),
            origin('o.mysite.com', { rules: rules('/b') }),
          ],
        }),
      ),
    ).toBe('The origin http://o.mysite.com already exists for another origin on this service');
    expect(
      semanticErrorOf(
        base({ domains: [{ domain: 'mysite.com' }], origins: [origin('bad origin')] }),
      ),
    ).toBe('Origin bad origin is not valid');
  });
});

describe('parseJsonText and nesting depth', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it('refuses JSON nested deeper than the limit, at any depth, with a 400 message', () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 10_000, 1_000_000]) {
      expect(rejection(() => parseJsonText(nested(depth)))).toEqual({
        kind: 'invalid',
        detail: `JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`,
      });
    }
    expect(parseJsonText(nested(MAX_JSON_DEPTH))).toBeInstanceOf(Array);
  });

  it('counts no brackets or commas inside strings', () => {
    expect(jsonShape(`{"a": "[[[{{\\"[[,,,", "b": [1, 2, 3]}`)).toEqual({
      depth: 2,
      widestObject: 2,
    });
  });

  it('ends a string at a quote after an even number of backslashes only', () => {
    expect(jsonShape(String.raw`["a\\", [1]]`)).toEqual({ depth: 2, widestObject: 0 });
    expect(jsonShape(String.raw`["a\", [1]]`)).toEqual({ depth: 1, widestObject: 0 });
  });

  it('refuses an object with more members than the limit before parsing it', () => {
    const wide = (n: number): string =>
      `{${Array.from({ length: n }, (_, i) => `"k${i}": [1, 2]`).join(', ')}}`;
    expect(rejection(() => parseJsonText(wide(100_000)))).toEqual({
      kind: 'invalid',
      detail: `A JSON object with more than ${MAX_OBJECT_MEMBERS} members is not accepted`,
    });
    expect(Object.keys(parseJsonText(wide(MAX_OBJECT_MEMBERS)) as object)).toHaveLength(
      MAX_OBJECT_MEMBERS,
    );
  });
});
