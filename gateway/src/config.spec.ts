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
