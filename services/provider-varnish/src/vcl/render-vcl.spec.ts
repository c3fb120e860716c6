import type { commonV1 } from '@poppy/contracts';
import {
  renderRouterVcl,
  renderServiceVcl,
  serviceHosts,
  serviceKey,
  serviceLabel,
  urlRegex,
  VclRenderError,
} from './render-vcl';
import { readVclState, type EdgeService } from './vcl-state';

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
    const router = renderRouterVcl([{ label: serviceLabel('svc-1'), hosts: serviceHosts(svc) }]);
    expect(router).toContain(
      `if (req.http.host == {"www.example.com"} || req.http.host == {"static.example.com"}) {\n    return (vcl(poppy-${key}));`,
    );
    expect(router).toContain('return (synth(404, "Unknown host"));');
    expect(router).toContain(
      'set req.http.host = std.tolower(regsub(req.http.host, ":[0-9]+$", ""));',
    );
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

  it('routes a domain two services name to the one the edge had first', () => {
    const routes = ['b', 'a'].map((id) => ({
      label: serviceLabel(id),
      hosts: serviceHosts(service(spec(), id)),
    }));
    const vcl = renderRouterVcl(routes);
    const first = vcl.indexOf(
      `if (req.http.host == {"www.example.com"}) {\n    return (vcl(${serviceLabel('b')}));`,
    );
    const second = vcl.indexOf(
      `} elsif (req.http.host == {"www.example.com"}) {\n    return (vcl(${serviceLabel('a')}));`,
    );
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
  });

  it('records the service in its VCL for an adapter restart', () => {
    const a = service(spec(), 'a');
    expect(readVclState(renderServiceVcl(a, OPTIONS))).toEqual([a]);
    expect(
      readVclState(renderRouterVcl([{ label: serviceLabel('a'), hosts: ['x.example.com'] }])),
    ).toEqual([]);
    expect(readVclState('vcl 4.1;\nbackend default none;\n')).toEqual([]);
  });

  it('answers 404 for every host when the edge holds no service', () => {
    const vcl = renderRouterVcl([]);
    expect(vcl).not.toContain('return (vcl(');
    expect(vcl).toContain('return (synth(404, "Unknown host"));');
  });
});
