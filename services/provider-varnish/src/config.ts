import path from 'node:path';
import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';

export interface ProviderVarnishConfig extends CommonConfig {
  /** Display name and provider_details key. @default 'Varnish' (POPPY_VARNISH_PROVIDER_NAME) */
  providerName: string;
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50063 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** varnishd's management interface (`-T`). @default 127.0.0.1:6082 (POPPY_VARNISH_ADMIN_ADDRESS) */
  admin: { host: string; port: number };
  /** varnishd's `-S` secret file. @default '/etc/varnish/secret' (POPPY_VARNISH_SECRET_FILE) */
  secretFile: string;
  /** varnishd's HTTP listener, for soft-purge refresh requests. @default 127.0.0.1:6081 (POPPY_VARNISH_HTTP_ADDRESS) */
  http: { host: string; port: number };
  /** The edge's public host name: every domain's access URL. @default 'localhost' (POPPY_VARNISH_EDGE_HOSTNAME) */
  edgeHostname: string;
  /** Request header with the client's ISO country code. @default 'X-Country-Code' (POPPY_VARNISH_GEO_HEADER) */
  geoHeader: string;
  /** Per management command. @default 10000 (POPPY_VARNISH_CLI_TIMEOUT_MS) */
  cliTimeoutMs: number;
  /** Changes waiting for a load beyond which calls are refused, retryable. @default 32 (POPPY_VARNISH_MAX_QUEUED_CHANGES) */
  maxQueuedChanges: number;
  /**
   * The TLS front (hitch) that certificates are installed at; absent when
   * POPPY_VARNISH_TLS_PEM_DIR is empty (certificates unsupported).
   */
  tls?: {
    /** hitch's `pem-dir`, written by the adapter (POPPY_VARNISH_TLS_PEM_DIR). */
    pemDir: string;
    /** hitch's `--pidfile`: SIGHUP reloads it. @default '/run/hitch/hitch.pid' (POPPY_VARNISH_HITCH_PID_FILE) */
    hitchPidFile: string;
    /** hitch's frontend, to confirm a change by a handshake; empty: not confirmed (POPPY_VARNISH_TLS_ADDRESS) */
    address?: { host: string; port: number };
    /** @default 10000 (POPPY_VARNISH_TLS_CONFIRM_TIMEOUT_MS) */
    confirmTimeoutMs: number;
  };
}

function address(e: EnvReader, name: string, fallback: string): { host: string; port: number } {
  const raw = e.string(name, fallback);
  const match = /^([^:\s]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    e.problem(`${name}: expected <host>:<port>, got '${raw}'`);
    return { host: '127.0.0.1', port: 1 };
  }
  return { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) };
}

export function loadProviderVarnishConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderVarnishConfig> {
  const e = new EnvReader(env);
  const providerName = e.string('POPPY_VARNISH_PROVIDER_NAME', 'Varnish');
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(providerName)) {
    e.problem(
      `POPPY_VARNISH_PROVIDER_NAME: expected a name of letters, digits, '-' or '_', got '${providerName}'`,
    );
  }
  const geoHeader = e.string('POPPY_VARNISH_GEO_HEADER', 'X-Country-Code');
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(geoHeader))
    e.problem(`POPPY_VARNISH_GEO_HEADER: expected a header name, got '${geoHeader}'`);
  const edgeHostname = e.string('POPPY_VARNISH_EDGE_HOSTNAME', 'localhost');
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(edgeHostname)) {
    e.problem(`POPPY_VARNISH_EDGE_HOSTNAME: expected a host name, got '${edgeHostname}'`);
  }
  const pemDir = e.string('POPPY_VARNISH_TLS_PEM_DIR', '');
  const tls = pemDir
    ? {
        pemDir: path.resolve(pemDir),
        hitchPidFile: path.resolve(
          e.string('POPPY_VARNISH_HITCH_PID_FILE', '/run/hitch/hitch.pid'),
        ),
        address: e.string('POPPY_VARNISH_TLS_ADDRESS', '')
          ? address(e, 'POPPY_VARNISH_TLS_ADDRESS', '')
          : undefined,
        confirmTimeoutMs: e.int('POPPY_VARNISH_TLS_CONFIRM_TIMEOUT_MS', 10_000, {
          min: 100,
          max: 600_000,
        }),
      }
    : undefined;
  const config: ProviderVarnishConfig = {
    ...readCommonConfig(e),
    providerName,
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50063, { min: 0, max: 65535 }),
    admin: address(e, 'POPPY_VARNISH_ADMIN_ADDRESS', '127.0.0.1:6082'),
    secretFile: path.resolve(e.string('POPPY_VARNISH_SECRET_FILE', '/etc/varnish/secret')),
    http: address(e, 'POPPY_VARNISH_HTTP_ADDRESS', '127.0.0.1:6081'),
    edgeHostname,
    geoHeader,
    cliTimeoutMs: e.int('POPPY_VARNISH_CLI_TIMEOUT_MS', 10_000, { min: 100, max: 600_000 }),
    maxQueuedChanges: e.int('POPPY_VARNISH_MAX_QUEUED_CHANGES', 32, { min: 1, max: 100_000 }),
    ...(tls ? { tls } : {}),
  };
  return e.done(config);
}
