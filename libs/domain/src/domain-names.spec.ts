import {
  isRootDomain,
  isValidClientIp,
  isValidDomainName,
  isValidIpv4Origin,
  isValidSharedSslLabel,
} from './domain-names';

const label63 = 'a'.repeat(63);

describe('isValidDomainName (docs/behaviour.md §4.4 multi-label rule)', () => {
  it.each([
    'www.example.com',
    'a.co',
    'a-b.c-d.example.org',
    'x1.y2.example.museum',
    `${label63}.com`,
    `www.example.${'a'.repeat(63)}`,
  ])('accepts %j', (name) => {
    expect(isValidDomainName(name)).toBe(true);
  });

  it.each([
    ['upper case', 'Www.example.com'],
    ['a trailing newline (docs/behaviour.md D-17)', 'www.example.com\n'],
    ['a leading newline', '\nwww.example.com'],
    ['a wildcard', '*.example.com'],
    ['an underscore', 'a_b.example.com'],
    ['a space', 'a b.example.com'],
    ['a single label', 'localhost'],
    ['a one-letter TLD', 'example.c'],
    ['a digit in the TLD', 'example.c0m'],
    ['a punycode TLD', 'example.xn--p1ai'],
    ['a TLD of 64 letters', `example.${'a'.repeat(64)}`],
    ['a leading hyphen', '-a.example.com'],
    ['a trailing hyphen', 'a-.example.com'],
    ['a doubled hyphen', 'a--b.example.com'],
    ['a label of 64 characters', `${'a'.repeat(64)}.com`],
    ['an empty label', 'www..com'],
    ['a trailing dot', 'www.example.com.'],
    ['a leading dot', '.example.com'],
    ['a scheme', 'http://www.example.com'],
    ['a path', 'www.example.com/x'],
    ['non-ASCII', 'www.exämple.com'],
    ['an empty string', ''],
  ])('rejects %s', (_why, name) => {
    expect(isValidDomainName(name)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(isValidDomainName(undefined)).toBe(false);
    expect(isValidDomainName(42)).toBe(false);
  });
});

describe('isValidSharedSslLabel', () => {
  it.each(['mysite', 'a', 'my-site', 'mysite-', '0abc', 'a'.repeat(64)])('accepts %j', (label) => {
    expect(isValidSharedSslLabel(label)).toBe(true);
  });

  it.each(['-mysite', 'my.site', 'MySite', 'my_site', 'mysite\n', '', 'a'.repeat(65)])(
    'rejects %j',
    (label) => {
      expect(isValidSharedSslLabel(label)).toBe(false);
    },
  );
});

describe('isRootDomain (effective lists of docs/behaviour.md §4.4, D-2)', () => {
  it.each(['example.co.uk', 'example.org.uk', 'example.com.au', 'example.co.hu', 'example.com.my'])(
    'is true for %s (net-effect example of docs/behaviour.md §4.4)',
    (name) => {
      expect(isRootDomain(name)).toBe(true);
    },
  );

  it.each(['example.co.ie', 'example.qld.au', 'example.police.uk'])(
    'is false for %s (net-effect example of docs/behaviour.md §4.4)',
    (name) => {
      expect(isRootDomain(name)).toBe(false);
    },
  );

  it('is true for any two-label name', () => {
    expect(isRootDomain('example.com')).toBe(true);
    expect(isRootDomain('example.zz')).toBe(true);
  });

  it('is false for four or more labels, even under a country second level', () => {
    expect(isRootDomain('www.example.co.uk')).toBe(false);
    expect(isRootDomain('a.b.example.com.au')).toBe(false);
  });

  it('is false for three labels without a country second level', () => {
    expect(isRootDomain('www.example.com')).toBe(false);
    expect(isRootDomain('cdn.example.co')).toBe(false);
  });

  it.each([
    ['generic second level × generic country', 'example.ac.ac'],
    ['generic second level × last generic country', 'example.web.zw'],
    ['Australia', 'example.nsw.au'],
    ['Australia', 'example.csiro.au'],
    ['Austria', 'example.priv.at'],
    ['France', 'example.avocat.fr'],
    ['France', 'example.experts-comptables.fr'],
    ['Russia', 'example.spb.ru'],
    ['Russia', 'example.yuzhno-sakhalinsk.ru'],
    ['Russia', 'example.vdonskzgrad.ru'],
    ['South Africa', 'example.school.za'],
    ['Spain', 'example.gob.es'],
    ['Turkey', 'example.k12.tr'],
    ['USA', 'example.ny.us'],
    ['USA', 'example.wy.us'],
  ])('is true for a %s entry (%s)', (_list, name) => {
    expect(isRootDomain(name)).toBe(true);
  });

  it.each([
    ['generic second level my', 'example.my.uk'],
    ['generic country an', 'example.co.an'],
    ['generic country bs', 'example.com.bs'],
    ['generic country cy', 'example.com.cy'],
    ['generic country ge', 'example.com.ge'],
    ['generic country ie', 'example.co.ie'],
    ['generic country kz', 'example.com.kz'],
    ['generic country mp', 'example.com.mp'],
    ['generic country om', 'example.com.om'],
    ['generic country sc', 'example.com.sc'],
    ['generic country tj', 'example.com.tj'],
    ['generic country vn', 'example.com.vn'],
    ['Australia qld', 'example.qld.au'],
    ['France chirurgiens-dentistes', 'example.chirurgiens-dentistes.fr'],
    ['France huissier-justice', 'example.huissier-justice.fr'],
    ['USA ia', 'example.ia.us'],
    ['Hungary (whole list)', 'example.info.hu'],
    ['UK (whole list)', 'example.police.uk'],
    ['Russia bashkiria', 'example.bashkiria.ru'],
    ['Russia komi', 'example.komi.ru'],
    ['Russia tatarstan', 'example.tatarstan.ru'],
    ['Russia kuban', 'example.kuban.ru'],
    ['Russia arkhangelsk', 'example.arkhangelsk.ru'],
    ['Russia vologda', 'example.vologda.ru'],
    ['Russia kemerovo', 'example.kemerovo.ru'],
    ['Russia murmansk', 'example.murmansk.ru'],
    ['Russia rnd', 'example.rnd.ru'],
    ['Russia e-burg', 'example.e-burg.ru'],
    ['Russia chelyabinsk', 'example.chelyabinsk.ru'],
    ['Russia chukotka', 'example.chukotka.ru'],
    ['Russia kuzbass', 'example.kuzbass.ru'],
    ['Russia rubtsovsk', 'example.rubtsovsk.ru'],
  ])('is false for the dead entry %s (%s)', (_entry, name) => {
    expect(isRootDomain(name)).toBe(false);
  });

  it('is true for dead special entries the generic list still covers (name.tr, or.us)', () => {
    expect(isRootDomain('example.name.tr')).toBe(true);
    expect(isRootDomain('example.or.us')).toBe(true);
  });

  it('is false for a special second level under another country', () => {
    expect(isRootDomain('example.nsw.at')).toBe(false);
    expect(isRootDomain('example.spb.ua')).toBe(false);
  });

  it('is false when the country is an inherited object key', () => {
    expect(isRootDomain('example.has.constructor')).toBe(false);
  });
});

describe('isValidIpv4Origin (docs/behaviour.md §4.1 origin rule)', () => {
  it.each([
    '1.2.3.4',
    '0.0.0.0',
    '255.255.255.255',
    '01.02.03.04',
    '00.1.2.3',
    '10.0.0.1',
    '199.249.250.255',
  ])('accepts %j', (ip) => {
    expect(isValidIpv4Origin(ip)).toBe(true);
  });

  it.each([
    ['an octet above 255', '256.1.1.1'],
    ['three octets', '1.2.3'],
    ['five octets', '1.2.3.4.5'],
    ['a three-digit octet with a leading zero', '001.2.3.4'],
    ['a trailing newline', '1.2.3.4\n'],
    ['a leading space', ' 1.2.3.4'],
    ['IPv6', '::1'],
    ['a CIDR suffix', '1.2.3.4/24'],
    ['a port', '1.2.3.4:80'],
  ])('rejects %s', (_why, ip) => {
    expect(isValidIpv4Origin(ip)).toBe(false);
  });
});

describe('isValidClientIp (docs/behaviour.md §4.1 client_ip rule)', () => {
  it.each([
    '1.2.3.4',
    '1.2.3.4/1',
    '1.2.3.4/32',
    '01.2.3.4/8',
    '::',
    '::1',
    '::/1',
    'fe80::1%eth0',
    'fe80::1%eth0/64',
    '::ffff:1.2.3.4',
    '::ffff:1.2.3.4/128',
    '2001:db8::/32',
    '2001:DB8::1',
    '2001:0db8:0000:0000:0000:0000:0000:0001/128',
    '1:2:3:4:5:6:7:8',
    '1:2:3:4:5:6:1.2.3.4',
  ])('accepts %j', (ip) => {
    expect(isValidClientIp(ip)).toBe(true);
  });

  it.each([
    ['an IPv4 prefix of 0', '1.2.3.4/0'],
    ['an IPv4 prefix of 33', '1.2.3.4/33'],
    ['a prefix with a leading zero', '1.2.3.4/08'],
    ['an empty prefix', '1.2.3.4/'],
    ['an octet above 255', '256.0.0.0'],
    ['an IPv6 prefix of 129', '::1/129'],
    ['an IPv6 prefix of 0', '::1/0'],
    ['two compressions', '1::2::3'],
    ['nine groups', '1:2:3:4:5:6:7:8:9'],
    ['a five-digit group', '12345::1'],
    ['an empty zone id', 'fe80::1%'],
    ['a bad embedded IPv4', '::ffff:1.2.3'],
    ['a host name', 'example.com'],
    ['an empty string', ''],
    ['a leading space', ' ::1'],
    ['a trailing newline', '::1\n'],
  ])('rejects %s', (_why, ip) => {
    expect(isValidClientIp(ip)).toBe(false);
  });
});
