import { ConfigError } from '@poppy/platform/boot';
import { loadProviderVarnishConfig } from './config';

describe('loadProviderVarnishConfig', () => {
  it('defaults to a local varnishd (6081/6082, /etc/varnish/secret)', () => {
    expect(loadProviderVarnishConfig({})).toMatchObject({
      providerName: 'Varnish',
      port: 50063,
      admin: { host: '127.0.0.1', port: 6082 },
      http: { host: '127.0.0.1', port: 6081 },
      secretFile: '/etc/varnish/secret',
      edgeHostname: 'localhost',
      geoHeader: 'X-Country-Code',
    });
  });

  it('reads every setting', () => {
    const config = loadProviderVarnishConfig({
      POPPY_PROVIDER_PORT: '0',
      POPPY_VARNISH_ADMIN_ADDRESS: 'edge-1:7000',
      POPPY_VARNISH_HTTP_ADDRESS: '[::1]:80',
      POPPY_VARNISH_SECRET_FILE: '/run/secret',
      POPPY_VARNISH_EDGE_HOSTNAME: 'edge.cdn.example.net',
      POPPY_VARNISH_GEO_HEADER: 'CF-IPCountry',
    });
    expect(config).toMatchObject({
      port: 0,
      admin: { host: 'edge-1', port: 7000 },
      http: { host: '::1', port: 80 },
      secretFile: '/run/secret',
      edgeHostname: 'edge.cdn.example.net',
      geoHeader: 'CF-IPCountry',
    });
  });

  it('has no TLS front unless POPPY_VARNISH_TLS_PEM_DIR is set', () => {
    expect(loadProviderVarnishConfig({}).tls).toBeUndefined();
    expect(
      loadProviderVarnishConfig({
        POPPY_VARNISH_TLS_PEM_DIR: '/etc/hitch/poppy.d',
        POPPY_VARNISH_TLS_ADDRESS: '127.0.0.1:443',
      }).tls,
    ).toEqual({
      pemDir: '/etc/hitch/poppy.d',
      hitchPidFile: '/run/hitch/hitch.pid',
      address: { host: '127.0.0.1', port: 443 },
      confirmTimeoutMs: 10_000,
    });
    expect(
      loadProviderVarnishConfig({ POPPY_VARNISH_TLS_PEM_DIR: '/certs' }).tls?.address,
    ).toBeUndefined();
  });

  it('refuses a bad TLS front address', () => {
    expect(() =>
      loadProviderVarnishConfig({
        POPPY_VARNISH_TLS_PEM_DIR: '/certs',
        POPPY_VARNISH_TLS_ADDRESS: 'hitch',
      }),
    ).toThrow(ConfigError);
  });

  it('reports every bad value together', () => {
    let error: unknown;
    try {
      loadProviderVarnishConfig({
        POPPY_VARNISH_ADMIN_ADDRESS: 'nowhere',
        POPPY_VARNISH_HTTP_ADDRESS: 'x:99999',
        POPPY_VARNISH_GEO_HEADER: 'X Country',
        POPPY_VARNISH_EDGE_HOSTNAME: 'http://edge',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(4);
  });
});
