import {
  canonicalUuid,
  parseListQuery,
  parsePurgeQuery,
  parseServiceId,
  singleValuedQuery,
  validateCertificateDomain,
  validateDomainParam,
  validateProjectId,
} from './request-params';
import { invalidDetail } from './rejection.test-helper';

const CANONICAL = '2b6d0b4a-91b1-4c41-a8c8-8e0f1d6a3b3a';

describe('parseServiceId (Python uuid.UUID forms, docs/behaviour.md §2.6)', () => {
  it.each([
    ['the canonical form', CANONICAL],
    ['upper case', CANONICAL.toUpperCase()],
    ['no hyphens', CANONICAL.replace(/-/g, '')],
    ['hyphens anywhere', '2b-6d0b4a91b14c41a8c88e0f1d6a3b3-a'],
    ['braces', `{${CANONICAL}}`],
    ['a urn:uuid: prefix', `urn:uuid:${CANONICAL}`],
    ['a urn:uuid: prefix and braces', `urn:uuid:{${CANONICAL}}`],
  ])('accepts %s and returns the canonical form', (_form, text) => {
    expect(parseServiceId(text)).toBe(CANONICAL);
  });

  it.each([
    ['31 hex digits', CANONICAL.slice(0, -1)],
    ['33 hex digits', `${CANONICAL}0`],
    ['a non-hex digit', CANONICAL.replace('2b', '2g')],
    ['surrounding spaces', ` ${CANONICAL} `],
    ['an upper-case prefix', `URN:UUID:${CANONICAL}`],
    ['a word', 'not-a-uuid'],
  ])('rejects %s', (_why, text) => {
    expect(invalidDetail(() => parseServiceId(text))).toBe('Invalid service id');
  });

  it('rejects a missing and an empty value with the common messages', () => {
    expect(invalidDetail(() => parseServiceId(undefined))).toBe('None value not permitted');
    expect(invalidDetail(() => parseServiceId(null))).toBe('None value not permitted');
    expect(invalidDetail(() => parseServiceId(''))).toBe('Empty value not permitted');
  });

  it('canonicalUuid returns undefined instead of throwing', () => {
    expect(canonicalUuid('nope')).toBeUndefined();
    expect(canonicalUuid(CANONICAL.toUpperCase())).toBe(CANONICAL);
  });
});

describe('parseListQuery (docs/behaviour.md §4.6)', () => {
  const max = 20;
  const notInteger = 'Limit should be an integer greater than 0 and less or equal to 20';

  it('defaults to 10 items and no marker', () => {
    expect(parseListQuery({}, max)).toEqual({ limit: 10 });
  });

  it('caps the default at a smaller configured maximum', () => {
    expect(parseListQuery({}, 5)).toEqual({ limit: 5 });
  });

  it.each([
    ['5', 5],
    [' 5 ', 5],
    ['+5', 5],
    ['\t7\n', 7],
    ['020', 20],
    ['1_0', 10],
    ['20', 20],
    ['1', 1],
  ])('parses %j as Python int() does', (text, limit) => {
    expect(parseListQuery({ limit: text }, max).limit).toBe(limit);
  });

  it.each(['', ' ', 'abc', '5a', '1.5', '1e1', '0x10', '+-5', '1__0', '_1'])(
    'rejects %j as not an integer',
    (text) => {
      expect(invalidDetail(() => parseListQuery({ limit: text }, max))).toBe(notInteger);
    },
  );

  it.each(['0', '-1', ' -5 ', '-0'])('rejects %j as not greater than 0', (text) => {
    expect(invalidDetail(() => parseListQuery({ limit: text }, max))).toBe(
      'Limit should be greater than 0',
    );
  });

  it.each(['21', '99999999999999999999999'])('rejects %j as above the maximum', (text) => {
    expect(invalidDetail(() => parseListQuery({ limit: text }, max))).toBe(
      'Limit should be less than or equal to 20',
    );
  });

  it('names the configured maximum in its messages', () => {
    expect(invalidDetail(() => parseListQuery({ limit: 'x' }, 50))).toBe(
      'Limit should be an integer greater than 0 and less or equal to 50',
    );
    expect(invalidDetail(() => parseListQuery({ limit: '51' }, 50))).toBe(
      'Limit should be less than or equal to 50',
    );
  });

  it('canonicalises the marker', () => {
    expect(parseListQuery({ marker: `{${CANONICAL.toUpperCase()}}` }, max)).toEqual({
      limit: 10,
      marker: CANONICAL,
    });
  });

  it.each(['', 'abc', CANONICAL.slice(1)])('rejects the marker %j', (marker) => {
    expect(invalidDetail(() => parseListQuery({ marker }, max))).toBe(
      'Marker must be a valid UUID',
    );
  });
});

describe('parsePurgeQuery (docs/behaviour.md §4.11, D-8)', () => {
  it('purges everything, hard, by default', () => {
    expect(parsePurgeQuery({})).toEqual({ url: '/*', hard: true });
  });

  it('keeps the given url, including the literal None', () => {
    expect(parsePurgeQuery({ url: '/images/logo.png' })).toEqual({
      url: '/images/logo.png',
      hard: true,
    });
    expect(parsePurgeQuery({ url: 'None' }).url).toBe('None');
  });

  it('rejects a url with a non-ASCII character', () => {
    expect(invalidDetail(() => parsePurgeQuery({ url: '/café' }))).toBe(
      'non ascii character present in url',
    );
  });

  it.each([
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['false', false],
    ['False', false],
    ['fAlSe', false],
  ])('reads hard=%s as %s', (hard, expected) => {
    expect(parsePurgeQuery({ hard }).hard).toBe(expected);
  });

  it.each(['', '1', '0', 'yes', ' true', 'None'])('rejects hard=%j', (hard) => {
    expect(invalidDetail(() => parsePurgeQuery({ hard }))).toBe(
      'hard can only be set to True or False',
    );
  });

  it('reads all=true in any letter case as purging /*', () => {
    expect(parsePurgeQuery({ all: 'TRUE' })).toEqual({ url: '/*', hard: true });
    expect(parsePurgeQuery({ all: 'true', url: '/*' })).toEqual({ url: '/*', hard: true });
  });

  it('reads any other all value as false', () => {
    expect(parsePurgeQuery({ all: 'yes', url: '/img' })).toEqual({ url: '/img', hard: true });
  });

  it('rejects all=true together with a url other than /*', () => {
    expect(invalidDetail(() => parsePurgeQuery({ all: 'true', url: '/img' }))).toBe(
      'Cannot provide all=true and a url at the same time',
    );
  });
});

describe('validateDomainParam (docs/behaviour.md §2.6)', () => {
  it.each(['www.example.com', 'mysite', 'abc'])('accepts %j', (d) => {
    expect(validateDomainParam(d)).toBe(d);
  });

  it('rejects a missing and an empty value', () => {
    expect(invalidDetail(() => validateDomainParam(undefined))).toBe('None value not permitted');
    expect(invalidDetail(() => validateDomainParam(''))).toBe('Empty value not permitted');
  });

  it('rejects names shorter than 3 or longer than 253 characters', () => {
    expect(invalidDetail(() => validateDomainParam('ab'))).toBe('Domain ab is too short');
    const long = `${'a.'.repeat(126)}com`;
    expect(invalidDetail(() => validateDomainParam(long))).toBe(`Domain ${long} is too long`);
  });

  it.each(['WWW.example.com', 'www.example.com\n', '-abc', 'a_b.com'])(
    'rejects %j as not valid',
    (d) => {
      expect(invalidDetail(() => validateDomainParam(d))).toBe(`Domain ${d} is not valid`);
    },
  );

  it('HTML-escapes the echoed domain', () => {
    expect(invalidDetail(() => validateDomainParam('<script>'))).toBe(
      'Domain &lt;script&gt; is not valid',
    );
  });
});

describe('validateProjectId (docs/behaviour.md §2.6)', () => {
  it.each(['000123', 'my-project_1.a', 'p'.repeat(256)])('accepts %j', (p) => {
    expect(validateProjectId(p)).toBe(p);
  });

  it('rejects a missing and an empty value', () => {
    expect(invalidDetail(() => validateProjectId(null))).toBe('None value not permitted');
    expect(invalidDetail(() => validateProjectId(''))).toBe('Empty value not permitted');
  });

  it.each(['p'.repeat(257), 'a b', 'a/b', 'abc\n'])('rejects %j', (p) => {
    expect(invalidDetail(() => validateProjectId(p))).toBe(`Invalid project_id : ${p}`);
  });

  it('HTML-escapes the echoed id', () => {
    expect(invalidDetail(() => validateProjectId('<x>'))).toBe('Invalid project_id : &lt;x&gt;');
  });
});

describe('echoes of long values', () => {
  it('cuts an echoed project id or domain at 512 characters with an ellipsis', () => {
    const id = '/'.repeat(10_000);
    expect(invalidDetail(() => validateProjectId(id))).toBe(
      `Invalid project_id : ${'/'.repeat(512)}...`,
    );
    expect(invalidDetail(() => validateDomainParam('d'.repeat(10_000)))).toBe(
      `Domain ${'d'.repeat(512)}... is too long`,
    );
  });
});

describe('singleValuedQuery', () => {
  it('passes parameters given once', () => {
    expect(singleValuedQuery({ limit: '5', marker: 'm' })).toEqual({ limit: '5', marker: 'm' });
  });

  it.each([['limit'], ['hard'], ['<b>']])('refuses %s given twice', (name) => {
    expect(invalidDetail(() => singleValuedQuery({ [name]: ['1', '2'] }))).toBe(
      `The query parameter ${name.replace('<', '&lt;').replace('>', '&gt;')} may be given only once`,
    );
  });
});

describe('validateCertificateDomain', () => {
  it('lower-cases and trims a domain with a dot', () => {
    expect(validateCertificateDomain(' WWW.Example.com ')).toBe('www.example.com');
  });

  it.each(['nodot', 'a..b', '-x.com'])('refuses %j', (d) => {
    expect(invalidDetail(() => validateCertificateDomain(d))).toBe(
      `${d} must be a valid non-root domain`,
    );
  });
});
