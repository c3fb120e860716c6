/**
 * A real `moto` server (pip `moto[server]`) for integration tests of AWS drivers
 * (Route53, CloudFront): one per caller, on a free loopback port. Point an AWS SDK v3
 * client at `endpoint` with dummy credentials (`motoClientConfig()`). The binary comes
 * from `tools/infra/moto.sh install`; a missing binary is an error, never a skip.
 */
import { answersHttp, assertBinary, freePort, spawnUntilReady, terminate } from './server-process';

export interface MotoServer {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  /** Everything the server printed so far. */
  output(): string;
  /** Forget every resource created so far (moto's `/moto-api/reset`). */
  reset(): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
}

/** Settings for an AWS SDK v3 client talking to this server. */
export function motoClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
}

/** `POPPY_MOTO_SERVER_BIN` points at another moto_server (read per start). */
const binary = () => process.env.POPPY_MOTO_SERVER_BIN ?? 'moto_server';
const INSTALL_HINT = "run `tools/infra/moto.sh install` (pip install 'moto[server]')";
const READY_TIMEOUT_MS = 30_000;

export async function startMotoServer(): Promise<MotoServer> {
  const bin = binary();
  assertBinary({ name: 'moto_server', bin, probeArgs: ['--help'], installHint: INSTALL_HINT });
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const { child, output } = await spawnUntilReady({
    name: 'moto_server',
    bin,
    args: ['-H', '127.0.0.1', '-p', String(port)],
    installHint: INSTALL_HINT,
    readyTimeoutMs: READY_TIMEOUT_MS,
    where: `on ${endpoint}`,
    isReady: () => answersHttp(`${endpoint}/moto-api/data.json`),
  });
  return {
    endpoint,
    port,
    output,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    stop: () => terminate(child, 'SIGTERM', 5000),
  };
}
