/**
 * Host-name and address rules of docs/behaviour.md §4.1 and §4.4. All patterns are anchored
 * strictly (docs/behaviour.md D-17): JavaScript's `$` without the `m` flag does not accept the
 * trailing newline that Python's `$` lets through.
 */
import * as ipaddr from 'ipaddr.js';

/**
 * Lower-case ASCII, two or more labels; each non-final label is 1–63 characters of
 * alphanumeric runs joined by single hyphens; the TLD is 2–63 letters (no punycode).
 */
const MULTI_LABEL_DOMAIN = /^(?:(?=[a-z0-9-]{1,63}\.)[a-z0-9]+(?:-[a-z0-9]+)*\.)+[a-z]{2,63}$/;

/** A trailing hyphen is tolerated: the pattern is the original's, kept for parity. */
const SHARED_SSL_LABEL = /^[a-z0-9][a-z0-9-]{0,62}[a-z0-9]?$/;

/**
 * One octet 0–255 as the original pattern reads it: 0–9, any two digits (so `01` and
 * `00` pass), 100–199, 200–249, 250–255. Three digits with a leading zero do not pass.
 */
const OCTET = '(?:25[0-5]|(?:2[0-4]|1?[0-9])?[0-9])';
const DOTTED_IPV4 = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);
const IPV4_PREFIX = /^(?:[1-9]|[12][0-9]|3[0-2])$/;
const IPV6_PREFIX = /^(?:[1-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

export function isValidDomainName(s: unknown): boolean {
  return typeof s === 'string' && MULTI_LABEL_DOMAIN.test(s);
}

export function isValidSharedSslLabel(s: unknown): boolean {
  return typeof s === 'string' && SHARED_SSL_LABEL.test(s);
}

/** A dotted IPv4 origin (IPv6 origins are not accepted, docs/behaviour.md §4.1). */
export function isValidIpv4Origin(s: unknown): boolean {
  return typeof s === 'string' && DOTTED_IPV4.test(s);
}

/**
 * A restriction rule's `client_ip`: IPv4 (same octet rule as origins) with an optional
 * `/1`–`/32`, or IPv6 in any textual form ipaddr.js parses (compressed, zone id,
 * embedded IPv4) with an optional `/1`–`/128`. Prefix lengths take no leading zero.
 */
export function isValidClientIp(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  const slash = s.indexOf('/');
  const address = slash === -1 ? s : s.slice(0, slash);
  const prefix = slash === -1 ? undefined : s.slice(slash + 1);
  if (DOTTED_IPV4.test(address)) return prefix === undefined || IPV4_PREFIX.test(prefix);
  if (!address.includes(':') || !ipaddr.IPv6.isValid(address)) return false;
  return prefix === undefined || IPV6_PREFIX.test(prefix);
}

// ---------------------------------------------------------------------------------------
// Root domains (docs/behaviour.md §4.4). The lists are the *effective* ones of the original: its
// multi-line regexes silently dropped the first alternative of every continuation line
// and the whole Hungary and UK patterns (docs/behaviour.md D-2). Entries that were dead there are
// deliberately absent here; the spec file lists them so nobody "fixes" this by accident.
// ---------------------------------------------------------------------------------------

const words = (list: string): ReadonlySet<string> => new Set(list.trim().split(/\s+/));

/** Dead in the original: `my`. */
const GENERIC_SECOND_LEVELS = words(
  'ac biz co com edu gov id int ltd me mil mod name net nhs nic nom or org plc sch web',
);

/** Dead in the original: an bs cy ge ie kz mp om sc tj vn. */
const GENERIC_COUNTRIES = words(`
  ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br
  bt bv bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cz de dj dk dm do dz ec
  ee eg er es et eu fi fj fk fm fo fr ga gd gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk
  hm hn hr ht hu id il im in io iq ir is it je jm jo jp ke kg kh ki km kn kp kr kw ky la lb
  lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mq mr ms mt mu mv mw mx my mz
  na nc ne nf ng ni nl no np nr nu nz pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs
  ru rw sa sb sd se sg sh si sk sl sm sn so sr st su sv sx sy sz tc td tf tg th tk tl tm tn
  to tp tr tt tv tw tz ua ug uk us uy uz va vc ve vg vi vu wf ws ye yt za zm zw`);

/** Second levels per country beyond the generic ones. Dead entries noted per country. */
const COUNTRY_SECOND_LEVELS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  Object.entries({
    // dead: qld
    au: words('act asn com csiro edu gov id net nsw nt org oz sa tas vic wa'),
    at: words('ac co gv or priv'),
    // dead: chirurgiens-dentistes huissier-justice
    fr: words(`aeroport avocat avoues cci chambagri experts-comptables geometre-expert greta
    medecin notaires pharmacien port veterinaire`),
    // dead: bashkiria komi tatarstan kuban arkhangelsk vologda kemerovo murmansk rnd e-burg
    //       chelyabinsk chukotka kuzbass rubtsovsk
    ru: words(`ac com edu int net org pp gov mil test adygeya ulan-ude buryatia dagestan nalchik
    kalmykia kchr ptz karelia mari-el joshkar-ola mari mordovia yakutia vladikavkaz kazan
    tuva udmurtia izhevsk udm khakassia grozny chuvashia altai krasnoyarsk marine vladivostok
    stavropol stv khabarovsk khv amur astrakhan belgorod bryansk vladimir volgograd tsaritsyn
    voronezh vrn cbg ivanovo irkutsk koenig kaluga kamchatka kirov vyatka kostroma kurgan kursk
    lipetsk magadan mosreg nnov nov nsk novosibirsk omsk orenburg oryol penza perm pskov ryazan
    samara saratov sakhalin yuzhno-sakhalinsk yekaterinburg smolensk tambov tver tomsk tsk tom
    tula tyumen simbirsk chel chita yaroslavl msk spb bir jar palana dudinka surgut yamal amursk
    baikal cmw fareast jamal kms k-uralsk kustanai magnitka mytis nakhodka nkz norilsk snz oskol
    pyatigorsk syzran vdonskzgrad`),
    za: words('ac gov law mil net nom school'),
    es: words('gob nom org'),
    // dead: name (still root through the generic list)
    tr: words('av bbs bel biz com dr edu gen gov info k12 kep net org pol tel tsk tv web'),
    // dead: ia, or (`or` is still root through the generic list)
    us: words(`al ak az ar as ca co ct de dc fl ga gu hi id il in ks ky la me md ma mi mn mp ms
    mo mt ne nv nh nj nm ny nc nd oh ok pa pr ri sc sd tn tx um ut vt va vi wa wv wi wy`),
  }),
);

/**
 * True when a CNAME could not be set on the name: two labels (`example.com`), or three
 * labels shaped `<name>.<second-level>.<country>` (`example.co.uk`). Meant for names that
 * passed isValidDomainName; shared-SSL labels are exempt and never reach here.
 */
export function isRootDomain(s: string): boolean {
  const labels = s.split('.');
  if (labels.length === 2) return true;
  if (labels.length !== 3) return false;
  const [, second, country] = labels as [string, string, string];
  if (GENERIC_SECOND_LEVELS.has(second) && GENERIC_COUNTRIES.has(country)) return true;
  return COUNTRY_SECOND_LEVELS.get(country)?.has(second) ?? false;
}
