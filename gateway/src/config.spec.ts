import { loadGatewayConfig } from './config';

describe('loadGatewayConfig: connection limits (docs/api-hardening.md)', () => {
  it('defaults to the timeouts and connection cap of a public API', () => {
    expect(loadGatewayConfig({})).toMatchObject({
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 10_000,
    });
  });

  it('reads each from its POPPY_GATEWAY_* variable', () => {
    expect(
      loadGatewayConfig({
        POPPY_GATEWAY_HEADERS_TIMEOUT_MS: '500',
        POPPY_GATEWAY_REQUEST_TIMEOUT_MS: '1000',
        POPPY_GATEWAY_IDLE_TIMEOUT_MS: '2000',
        POPPY_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '300',
        POPPY_GATEWAY_MAX_CONNECTIONS: '7',
      }),
    ).toMatchObject({
      headersTimeoutMs: 500,
      requestTimeoutMs: 1000,
      idleTimeoutMs: 2000,
      keepAliveTimeoutMs: 300,
      maxConnections: 7,
    });
  });

  it('refuses a timeout too short to serve anyone', () => {
    expect(() => loadGatewayConfig({ POPPY_GATEWAY_HEADERS_TIMEOUT_MS: '5' })).toThrow(
      /POPPY_GATEWAY_HEADERS_TIMEOUT_MS/,
    );
  });
});

describe('loadGatewayConfig: authentication (docs/auth.md)', () => {
  it('defaults to none with the usual role names', () => {
    expect(loadGatewayConfig({}).auth).toEqual({
      mode: 'none',
      roles: { reader: ['reader'], member: ['member', '_member_'], admin: ['admin'] },
    });
  });

  it('names every setting a token mode is missing', () => {
    expect(() => loadGatewayConfig({ POPPY_AUTH: 'keystone' })).toThrow(/POPPY_KEYSTONE_URL/);
    expect(() => loadGatewayConfig({ POPPY_AUTH: 'jwt', POPPY_JWT_ISSUER: 'i' })).toThrow(
      /POPPY_JWT_JWKS_URL[\s\S]*POPPY_JWT_AUDIENCE/,
    );
    expect(() => loadGatewayConfig({ POPPY_AUTH: 'ldap' })).toThrow(/POPPY_AUTH/);
  });

  it('reads the keystone settings', () => {
    expect(
      loadGatewayConfig({
        POPPY_AUTH: 'keystone',
        POPPY_KEYSTONE_URL: 'http://127.0.0.1:5000/v3',
        POPPY_AUTH_CACHE_SIZE: '5',
        POPPY_AUTH_ADMIN_ROLES: 'cloud-admin,admin',
      }).auth,
    ).toMatchObject({
      mode: 'keystone',
      keystone: { url: 'http://127.0.0.1:5000/v3', cacheSize: 5, cacheSeconds: 300 },
      roles: { admin: ['cloud-admin', 'admin'] },
    });
  });
});
