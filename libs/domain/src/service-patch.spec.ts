import type { Origin, Restriction, Service } from './model';
import {
  PATCHABLE_ROOTS,
  applyServicePatch,
  patchTargetDocument,
  sharedSslLabel,
  validatePatchDocument,
} from './service-patch';
import { invalidDetail, schemaMessages } from './rejection.test-helper';
import {
  DEFAULT_RULE as defaultRule,
  NORMALISE_OPTIONS as opts,
  normalisedMinimalSpec,
  storedService,
} from './fixtures.test-helper';

/** The stored minimal service, with a second, shared-SSL domain and a deployed provider. */
const service = (changes: Partial<Service> = {}): Service =>
  storedService({
    domains: [
      { domain: 'www.mysite.com', protocol: 'http' },
      { domain: 'shop.scdn3.secure.defaultcdn.com', protocol: 'https', certificate: 'shared' },
    ],
    provider_details: {
      Mock: { id: 'm-1', access_urls: [], status: 'deployed', domains_certificate_status: {} },
    },
    generation: 3,
    ...changes,
  });

const patch = (ops: unknown, svc: Service = service()) => applyServicePatch(svc, ops, opts);
const NOT_ALLOWED = (path: string) =>
  `Path ${path} is not allowed; only /name, /domains, /origins, /caching, /restrictions, /flavor_id and /log_delivery may be patched`;

describe('sharedSslLabel', () => {
  it('is the text before the first dot', () => {
    expect(sharedSslLabel('shop.scdn3.secure.defaultcdn.com')).toBe('shop');
  });

  it('is the whole text when there is no dot', () => {
    expect(sharedSslLabel('shop')).toBe('shop');
  });
});

describe('patchTargetDocument (docs/behaviour.md §4.9 view)', () => {
  it('shows shared-SSL domains as labels, unset values as null, and no server-owned fields', () => {
    const minimalOrigin = () => normalisedMinimalSpec().origins[0]!;
    const customHostOrigin = (): Origin => ({
      origin: 'p.mysite.com',
      port: 443,
      ssl: true,
      rules: [{ name: 'p', request_url: '/p' }],
      hostheadertype: 'custom',
      hostheadervalue: 'h.mysite.com',
    });
    const blacklist = (): Restriction => ({
      name: 'r',
      access: 'blacklist',
      rules: [{ name: 'ref', referrer: 'www.partner.com', request_url: '/*' }],
    });
    const svc = service({
      origins: [minimalOrigin(), customHostOrigin()],
      restrictions: [blacklist()],
    });
    expect(patchTargetDocument(svc)).toEqual({
      name: 'mysite',
      domains: [
        { domain: 'www.mysite.com', protocol: 'http', certificate: null },
        { domain: 'shop', protocol: 'https', certificate: 'shared' },
      ],
      origins: [{ ...minimalOrigin(), hostheadervalue: null }, customHostOrigin()],
      caching: [{ name: 'default', ttl: 86400, rules: [defaultRule] }],
      restrictions: [blacklist()],
      flavor_id: 'cdn',
      log_delivery: { enabled: false },
      project_id: '000123',
    });
  });

  it('is a copy: changing it leaves the service alone', () => {
    const svc = service();
    const view = patchTargetDocument(svc) as { origins: Array<{ rules: unknown[] }> };
    view.origins[0]?.rules.push({ name: 'x', request_url: '/x' });
    expect(svc.origins[0]?.rules).toEqual([defaultRule]);
  });
});

describe('applyServicePatch', () => {
  it('returns the same configuration for an empty patch, shared-SSL domains as labels', () => {
    expect(patch([])).toEqual(
      normalisedMinimalSpec({
        domains: [
          { domain: 'www.mysite.com', protocol: 'http' },
          { domain: 'shop', protocol: 'https', certificate: 'shared' },
        ],
      }),
    );
  });

  it('carries no provider details or other server-owned fields', () => {
    expect(Object.keys(patch([])).sort()).toEqual([...PATCHABLE_ROOTS].sort());
  });

  it('replaces the name', () => {
    expect(patch([{ op: 'replace', path: '/name', value: 'renamed' }]).name).toBe('renamed');
  });

  it('adds a domain, normalised, and a new shared-SSL label stays a label', () => {
    const spec = patch([
      { op: 'add', path: '/domains/-', value: { domain: 'img.mysite.com' } },
      {
        op: 'add',
        path: '/domains/-',
        value: { domain: 'blog', protocol: 'https', certificate: 'shared' },
      },
    ]);
    expect(spec.domains.slice(2)).toEqual([
      { domain: 'img.mysite.com', protocol: 'http' },
      { domain: 'blog', protocol: 'https', certificate: 'shared' },
    ]);
  });

  it.each([
    [
      '/origins/0/rules/-',
      { op: 'add', path: '/origins/0/rules/-', value: { name: 'img', request_url: '/img' } },
    ],
    ['/log_delivery/enabled', { op: 'replace', path: '/log_delivery/enabled', value: true }],
    ['/caching/0/ttl', { op: 'replace', path: '/caching/0/ttl', value: 60 }],
    ['/flavor_id', { op: 'replace', path: '/flavor_id', value: 'other' }],
    ['/restrictions/-', { op: 'add', path: '/restrictions/-', value: { name: 'r', rules: [] } }],
    ['/domains (move within)', { op: 'move', from: '/domains/0', path: '/domains/1' }],
    ['/origins (copy within)', { op: 'copy', from: '/origins/0/port', path: '/origins/0/port' }],
  ])('allows paths under a patchable member: %s', (_path, op) => {
    expect(() => patch([op])).not.toThrow();
  });

  it('applies a patch whose test passes', () => {
    expect(
      patch([
        { op: 'test', path: '/name', value: 'mysite' },
        { op: 'replace', path: '/name', value: 'renamed' },
      ]).name,
    ).toBe('renamed');
  });

  describe('rejects a body that is not an array of operations with a schema error object', () => {
    it('for an object', () => {
      expect(schemaMessages(() => patch({ op: 'replace', path: '/name', value: 'x' }))).toEqual([
        "-{'op': 'replace', 'path': '/name', 'value': 'x'} is not of type 'array'",
      ]);
    });

    it('for an operation without path or with an unknown op', () => {
      expect(
        schemaMessages(() =>
          patch([
            { op: 'replace', value: 1 },
            { op: 'merge', path: '/name' },
          ]),
        ),
      ).toEqual([
        "[0]['path']-'path' is a required property",
        "[1]['op']-'merge' is not one of ['add', 'remove', 'replace', 'move', 'copy', 'test']",
      ]);
    });
  });

  describe('allows only the patchable members (docs/behaviour.md D-6)', () => {
    it.each([
      '/project_id',
      '/status',
      '/operator_status',
      '/service_id',
      '/provider_details',
      '/namex',
      '/names/0',
      '',
      '/',
      'name',
    ])('rejects the path %j', (path) => {
      expect(invalidDetail(() => patch([{ op: 'replace', path, value: 'x' }]))).toBe(
        NOT_ALLOWED(path),
      );
    });

    it('rejects a test of a member outside the list', () => {
      expect(
        invalidDetail(() => patch([{ op: 'test', path: '/project_id', value: '000123' }])),
      ).toBe(NOT_ALLOWED('/project_id'));
    });

    it('rejects moving or copying from a member outside the list', () => {
      expect(invalidDetail(() => patch([{ op: 'copy', from: '/project_id', path: '/name' }]))).toBe(
        NOT_ALLOWED('/project_id'),
      );
      expect(
        invalidDetail(() => patch([{ op: 'move', from: '/operator_status', path: '/name' }])),
      ).toBe(NOT_ALLOWED('/operator_status'));
    });

    it('checks every operation before applying any', () => {
      expect(
        invalidDetail(() =>
          patch([
            { op: 'replace', path: '/name', value: 'renamed' },
            { op: 'replace', path: '/operator_status', value: 'disabled' },
          ]),
        ),
      ).toBe(NOT_ALLOWED('/operator_status'));
    });

    it('HTML-escapes the echoed path', () => {
      expect(invalidDetail(() => patch([{ op: 'remove', path: '/<x>' }]))).toBe(
        NOT_ALLOWED('/&lt;x&gt;'),
      );
    });
  });

  describe('rejects an operation the library cannot apply, with its message', () => {
    it('for a missing path', () => {
      expect(invalidDetail(() => patch([{ op: 'replace', path: '/origins/5', value: {} }]))).toBe(
        'Cannot perform the operation at a path that does not exist',
      );
    });

    it('for a failed test', () => {
      expect(invalidDetail(() => patch([{ op: 'test', path: '/name', value: 'other' }]))).toBe(
        'Test operation failed',
      );
    });

    it('for an add without value', () => {
      expect(invalidDetail(() => patch([{ op: 'add', path: '/name' }]))).toBe(
        'Operation `value` property is not present (applicable in `add`, `replace` and `test` operations)',
      );
    });

    it('for a move from a missing path', () => {
      expect(
        invalidDetail(() => patch([{ op: 'move', from: '/domains/9', path: '/domains/0' }])),
      ).toBe('Cannot perform the operation from a path that does not exist');
    });
  });

  describe('defaults after the patch (docs/behaviour.md §4.9 step 2)', () => {
    it('gives an added origin without rules /*, which collides with the first origin', () => {
      expect(
        invalidDetail(() =>
          patch([{ op: 'add', path: '/origins/-', value: { origin: 'b.mysite.com' } }]),
        ),
      ).toBe('The path /* already exists for another origin on this service');
    });

    it('gives an added caching entry without rules /*, which collides with the default entry', () => {
      expect(
        invalidDetail(() =>
          patch([{ op: 'add', path: '/caching/-', value: { name: 'short', ttl: 60 } }]),
        ),
      ).toBe('The path /* already exists for another caching rule on this service');
    });

    it('gives an origin whose rules were emptied the /* rule', () => {
      expect(
        patch([{ op: 'replace', path: '/origins/0/rules', value: [] }]).origins[0]?.rules,
      ).toEqual([defaultRule]);
    });

    it('gives a caching entry whose rules were removed the /* rule', () => {
      expect(patch([{ op: 'remove', path: '/caching/0/rules' }]).caching).toEqual([
        { name: 'default', ttl: 86400, rules: [defaultRule] },
      ]);
    });

    it('does not re-default an emptied or removed caching list', () => {
      expect(patch([{ op: 'replace', path: '/caching', value: [] }]).caching).toEqual([]);
      expect(patch([{ op: 'remove', path: '/caching' }]).caching).toEqual([]);
    });

    it('adds defaults to a copy, never to the caller’s operations', () => {
      const ops = [{ op: 'replace', path: '/caching/0', value: { name: 'c', ttl: 5 } }];
      patch(ops);
      expect(ops[0]?.value).toEqual({ name: 'c', ttl: 5 });
    });
  });

  describe('validates the patched document fully (docs/behaviour.md §4.9 step 3)', () => {
    it('rejects removing the last domain', () => {
      expect(
        schemaMessages(() =>
          patch([
            { op: 'remove', path: '/domains/1' },
            { op: 'remove', path: '/domains/0' },
          ]),
        ),
      ).toEqual(["['domains']-[] is too short"]);
    });

    it('rejects removing the name or the flavor', () => {
      expect(schemaMessages(() => patch([{ op: 'remove', path: '/name' }]))).toEqual([
        "['name']-'name' is a required property",
      ]);
      expect(schemaMessages(() => patch([{ op: 'remove', path: '/flavor_id' }]))).toEqual([
        "['flavor_id']-'flavor_id' is a required property",
      ]);
    });

    it('rejects an upper-case domain', () => {
      expect(
        invalidDetail(() =>
          patch([{ op: 'replace', path: '/domains/0/domain', value: 'WWW.mysite.com' }]),
        ),
      ).toBe('Domain WWW.mysite.com is not a valid domain');
    });

    it('rejects a root domain', () => {
      expect(
        invalidDetail(() =>
          patch([{ op: 'replace', path: '/domains/0/domain', value: 'mysite.com' }]),
        ),
      ).toMatch(/^mysite\.com is a root domain\./);
    });

    it('rejects switching an http domain to https without a certificate', () => {
      expect(
        schemaMessages(() =>
          patch([{ op: 'replace', path: '/domains/0/protocol', value: 'https' }]),
        ),
      ).toEqual([
        "['domains'][0]-{'domain': 'www.mysite.com', 'protocol': 'https', 'certificate': None} is not valid under any of the given schemas",
      ]);
    });

    it('accepts switching an http domain to https with a certificate', () => {
      const spec = patch([
        { op: 'replace', path: '/domains/0/protocol', value: 'https' },
        { op: 'replace', path: '/domains/0/certificate', value: 'san' },
      ]);
      expect(spec.domains[0]).toEqual({
        domain: 'www.mysite.com',
        protocol: 'https',
        certificate: 'san',
      });
    });

    it('rejects an unsupported geography', () => {
      expect(
        invalidDetail(() =>
          patch([
            {
              op: 'add',
              path: '/restrictions/-',
              value: { name: 'r', rules: [{ geography: 'Narnia' }] },
            },
          ]),
        ),
      ).toBe('Country/Area Narnia is not supported in geo zones');
    });
  });
});

describe('validatePatchDocument', () => {
  it('returns the operations of a valid body', () => {
    const ops = [{ op: 'replace', path: '/name', value: null }];
    expect(validatePatchDocument(ops)).toBe(ops);
  });

  it('accepts an empty array', () => {
    expect(validatePatchDocument([])).toEqual([]);
  });

  it('rejects a body that is not an array', () => {
    expect(schemaMessages(() => validatePatchDocument('x'))).toEqual([
      "-'x' is not of type 'array'",
    ]);
  });

  it('rejects a path outside the patchable members', () => {
    expect(invalidDetail(() => validatePatchDocument([{ op: 'remove', path: '/status' }]))).toBe(
      NOT_ALLOWED('/status'),
    );
  });
});
