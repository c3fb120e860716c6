import type { commonV1 } from '@poppy/contracts';
import { createHash } from 'node:crypto';
import {
  renderRouterVcl,
  renderShardVcl,
  routerShardOf,
  serviceKey,
  shardLabel,
  urlRegex,
  VclRenderError,
  type RenderOptions,
} from './render-vcl';
import { mergeEdgeState, readVclRecords, readVclState, type EdgeService } from './vcl-state';

const OPTIONS = { geoHeader: 'X-Country-Code', refreshToken: 'token-123456' };

function spec(overrides: Partial<commonV1.ServiceSpec> = {}): commonV1.ServiceSpec {
  return {
    name: 'site',
    domains: [{ domain: 'www.example.com', protocol: 'http' }],
    origins: [{ origin: '127.0.0.1', port: 8080, ssl: false, rules: [], hostheadertype: 'domain' }],
    caching: [{ name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'varnish',
    log_delivery: { enabled: false },
    ...overrides,
  };
}

const service = (s: commonV1.ServiceSpec, id = 'svc-1'): EdgeService => ({
  serviceId: id,
  projectId: 'p1',
  spec: s,
});
/** One service alone in a single shard (every host hashes to shard 0 of 1). */
const renderServiceVcl = (svc: EdgeService, options: RenderOptions) =>
  renderShardVcl(0, 1, { services: [svc], records: [] }, options);
const matches = (pattern: string, url: string) => new RegExp(urlRegex(pattern)).test(url);

describe('urlRegex', () => {
  it('turns Poppy patterns into anchored regexes over the URL (query string allowed after an exact path)', () => {
    expect(matches('/*', '/anything?x=1')).toBe(true);
    expect(matches('/images/*', '/images/a.png')).toBe(true);
    expect(matches('/images/*', '/img/a.png')).toBe(false);
    expect(matches('/a.png', '/a.png')).toBe(true);
    expect(matches('/a.png', '/a.png?v=2')).toBe(true);
    expect(matches('/a.png', '/aXpng')).toBe(false);
    expect(matches('/a.png', '/a.png/more')).toBe(false);
    expect(matches('*.jpg', '/x/y.jpg')).toBe(true);
    expect(matches('static/*', '/static/x')).toBe(true);
  });
});

describe('renderVcl', () => {
  it('declares one backend per origin with its port; the router sends the service domains to its label', () => {
    const svc = service(
      spec({
        domains: [
          { domain: 'www.example.com', protocol: 'http' },
          { domain: 'Static.Example.com', protocol: 'http' },
        ],
        origins: [
          { origin: '127.0.0.1', port: 8080, ssl: false, rules: [], hostheadertype: 'domain' },
          {
            origin: '127.0.0.2',
            port: 9090,
            ssl: false,
            rules: [{ name: 'img', request_url: '/images/*' }],
            hostheadertype: 'domain',
          },
        ],
      }),
    );
    const vcl = renderServiceVcl(svc, OPTIONS);
    const key = serviceKey('svc-1');
    expect(vcl).toContain(`backend ${key}_o0 {\n  .host = "127.0.0.1";\n  .port = "8080";`);
    expect(vcl).toContain(`backend ${key}_o1 {\n  .host = "127.0.0.2";\n  .port = "9090";`);
    expect(vcl).toContain(
      `if (req.http.host == {"www.example.com"} || req.http.host == {"static.example.com"}) {\n    call ${key}_recv;`,
    );
    expect(vcl).toContain('return (synth(404, "Unknown host"));');
    const router = renderRouterVcl(4, [2, 0]);
    expect(router).toContain(
      'set req.http.host = std.tolower(regsub(req.http.host, ":[0-9]+$", ""));',
    );
    expect(router).toContain('set req.http.X-Poppy-Shard = poppy_hash.key(req.http.host) % 4;');
    expect(router).toContain(
      `if (req.http.X-Poppy-Shard == "0") {\n    unset req.http.X-Poppy-Shard;\n    return (vcl(${shardLabel(0)}));`,
    );
    expect(router).toContain(`return (vcl(${shardLabel(2)}));`);
    expect(router).not.toContain(`return (vcl(${shardLabel(1)}));`);
    expect(router).toContain('return (synth(404, "Unknown host"));');
  });

  it('chooses the origin by the most specific rule, the rule-less origin being the fallback', () => {
    const vcl = renderServiceVcl(
      service(
        spec({
          origins: [
            { origin: '127.0.0.1', port: 8080, ssl: false, rules: [], hostheadertype: 'domain' },
            {
              origin: '127.0.0.2',
              port: 80,
              ssl: false,
              rules: [{ name: 'a', request_url: '/images/*' }],
              hostheadertype: 'domain',
            },
            {
              origin: '127.0.0.3',
              port: 80,
              ssl: false,
              rules: [{ name: 'b', request_url: '/images/big/*' }],
              hostheadertype: 'domain',
            },
          ],
        }),
      ),
      OPTIONS,
    );
    const key = serviceKey('svc-1');
    const recv = vcl.slice(vcl.indexOf(`sub ${key}_recv`));
    const fallback = recv.indexOf(`set req.backend_hint = ${key}_o0;`);
    const big = recv.indexOf(
      `if (req.url ~ {"^/images/big/.*"}) {\n    set req.backend_hint = ${key}_o2;`,
    );
    const images = recv.indexOf(
      `} elsif (req.url ~ {"^/images/.*"}) {\n    set req.backend_hint = ${key}_o1;`,
    );
    expect(fallback).toBeGreaterThan(0);
    expect(big).toBeGreaterThan(fallback);
    expect(images).toBeGreaterThan(big);
  });

  it('sends the host header hostheadertype asks for', () => {
    const vcl = renderServiceVcl(
      service(
        spec({
          origins: [
            {
              origin: 'origin.example.net',
              port: 80,
              ssl: false,
              rules: [],
              hostheadertype: 'origin',
              hostheadervalue: 'origin.example.net',
            },
            {
              origin: '127.0.0.2',
              port: 80,
              ssl: false,
              rules: [{ name: 'c', request_url: '/c/*' }],
              hostheadertype: 'custom',
              hostheadervalue: 'custom.example.org',
            },
            {
              origin: '127.0.0.3',
              port: 80,
              ssl: false,
              rules: [{ name: 'd', request_url: '/d/*' }],
              hostheadertype: 'domain',
            },
          ],
        }),
      ),
      OPTIONS,
    );
    expect(vcl).toContain('set req.http.X-Poppy-Origin-Host = {"origin.example.net"};');
    expect(vcl).toContain('set req.http.X-Poppy-Origin-Host = {"custom.example.org"};');
    expect(vcl.match(/X-Poppy-Origin-Host = /g)).toHaveLength(2);
    expect(vcl).toContain('set bereq.http.host = bereq.http.X-Poppy-Origin-Host;');
  });

  it('sets the TTL of the most specific caching rule, and passes URLs whose TTL is 0', () => {
    const vcl = renderServiceVcl(
      service(
        spec({
          caching: [
            { name: 'default', ttl: 60, rules: [{ name: 'default', request_url: '/*' }] },
            { name: 'live', ttl: 0, rules: [{ name: 'live', request_url: '/live/*' }] },
          ],
        }),
      ),
      OPTIONS,
    );
    const key = serviceKey('svc-1');
    expect(vcl).toContain(
      'if (req.url ~ {"^/live/.*"}) {\n    return (pass);\n  } elsif (req.url ~ {"^/.*"}) {',
    );
    const response = vcl.slice(vcl.indexOf(`sub ${key}_response`));
    expect(response).toContain(
      'if (bereq.url ~ {"^/live/.*"}) {\n    set beresp.uncacheable = true;',
    );
    expect(response).toContain('} elsif (bereq.url ~ {"^/.*"}) {\n    set beresp.ttl = 60s;');
    expect(vcl).toContain(`if (bereq.backend == ${key}_o0) {\n    call ${key}_response;`);
  });

  it('renders referrer, client-IP and geography restrictions as 403s, whitelists refusing what is not listed', () => {
    const vcl = renderServiceVcl(
      service(
        spec({
          restrictions: [
            {
              name: 'ref',
              access: 'whitelist',
              rules: [{ name: 'r', referrer: 'good.example.com', request_url: '/protected/*' }],
            },
            {
              name: 'ip',
              access: 'blacklist',
              rules: [
                { name: 'i', client_ip: '10.1.0.0/16', request_url: '/*' },
                { client_ip: 'fe80::1%eth0', request_url: '/*' },
              ],
            },
            {
              name: 'geo',
              access: 'whitelist',
              rules: [{ geography: 'Australia/NZ', request_url: '/au/*' }],
            },
          ],
        }),
      ),
      OPTIONS,
    );
    const key = serviceKey('svc-1');
    expect(vcl).toContain(
      'if (!req.hash_always_miss && req.url ~ {"^/protected/.*"} && !(req.http.Referer ~ {"^(?i)[a-z][a-z0-9+.-]*://([^/@]*\\.)?(good\\.example\\.com)(:[0-9]+)?(/|\\?|$)"})) {\n    return (synth(403, "Forbidden"));',
    );
    expect(vcl).toContain(`acl ${key}_acl0 {\n  "10.1.0.0"/16;\n  "fe80::1";\n}`);
    expect(vcl).toContain(
      `if (!req.hash_always_miss && req.url ~ {"^/.*"} && (client.ip ~ ${key}_acl0)) {`,
    );
    expect(vcl).toContain('!(req.http.X-Country-Code ~ {"^(?i)(AU|NZ)$"})');
  });

  it('refuses what the edge cannot do, naming every problem for the tenant', () => {
    let error: unknown;
    try {
      renderServiceVcl(
        service(
          spec({
            origins: [
              {
                origin: 'secure.example.com',
                port: 443,
                ssl: true,
                rules: [],
                hostheadertype: 'domain',
              },
            ],
            restrictions: [
              {
                name: 'ip',
                access: 'blacklist',
                rules: [{ client_ip: 'not-an-ip', request_url: '/*' }],
              },
            ],
          }),
        ),
        OPTIONS,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VclRenderError);
    expect((error as VclRenderError).problems).toEqual([
      'origin secure.example.com uses TLS (ssl: true); this Varnish edge connects to origins over plain HTTP only',
      'client_ip not-an-ip is not an IP address',
    ]);
  });

  it('hashes a host to a shard as varnishd does (last 4 bytes of SHA-256, little-endian)', () => {
    // 67432381 is what varnishd 7.1's directors.shard().key("www.example.com") answered.
    expect(createHash('sha256').update('www.example.com').digest().readUInt32LE(28)).toBe(67432381);
    expect(routerShardOf('www.example.com', 256)).toBe(67432381 % 256);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[routerShardOf(`www.s${i}.example.com`, 8)] += 1;
    for (const c of counts) expect(c).toBeGreaterThan(800); // about 1000 each
  });

  it('puts in a shard only the hosts of that shard, and routes a domain two services name to the first', () => {
    const a = service(
      spec({
        domains: [
          { domain: 'www.example.com', protocol: 'http' },
          { domain: 'other.example.org', protocol: 'http' },
        ],
      }),
      'a',
    );
    const b = service(spec(), 'b');
    const shards = 64;
    const index = routerShardOf('www.example.com', shards);
    expect(routerShardOf('other.example.org', shards)).not.toBe(index); // else pick another name
    const vcl = renderShardVcl(index, shards, { services: [a, b], records: [] }, OPTIONS);
    expect(vcl).not.toContain('other.example.org"}');
    const first = vcl.indexOf(
      `  if (req.http.host == {"www.example.com"}) {\n    call ${serviceKey('a')}_recv;`,
    );
    const second = vcl.indexOf(
      `  } elsif (req.http.host == {"www.example.com"}) {\n    call ${serviceKey('b')}_recv;`,
    );
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
  });

  it('records the services and the records of the change in the shard VCL for an adapter restart', () => {
    const a = { ...service(spec(), 'a'), revision: 5 };
    const vcl = renderShardVcl(
      0,
      1,
      { services: [a], records: [{ serviceId: 'gone', revision: 7 }] },
      OPTIONS,
    );
    expect(readVclState(vcl)).toEqual([a]);
    expect(readVclRecords(vcl)).toEqual([{ serviceId: 'gone', revision: 7 }]);
    expect(readVclState(renderRouterVcl(4, [1]))).toEqual([]);
    expect(readVclState('vcl 4.1;\nbackend default none;\n')).toEqual([]);
  });

  it('merges what the shards hold: the highest revision wins, a winning record without a service is a delete', () => {
    const old = { ...service(spec(), 'a'), revision: 1 };
    const renamed = { ...service(spec({ name: 'renamed' }), 'a'), revision: 2 };
    const b = { ...service(spec(), 'b'), revision: 1 };
    const merged = mergeEdgeState(
      [old, b],
      [
        { serviceId: 'a', revision: 2, service: renamed },
        { serviceId: 'b', revision: 3 },
      ],
    );
    expect([...merged.services.values()]).toEqual([renamed]);
    expect([...merged.deleted.entries()]).toEqual([['b', 3]]);
  });

  it('answers 404 for every host when the edge holds no shard', () => {
    const vcl = renderRouterVcl(256, []);
    expect(vcl).not.toContain('return (vcl(');
    expect(vcl).toContain('return (synth(404, "Unknown host"));');
  });
});
