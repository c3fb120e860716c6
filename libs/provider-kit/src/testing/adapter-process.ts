/**
 * One built provider adapter (dist/<name>/main.js) as a real child process on a free
 * loopback port, with a provider client connected to it: what every adapter's integration
 * test starts. It lives here rather than in libs/testing because the client is
 * provider-kit's, and libs/testing may not import a kit (eslint.config.js layers); the
 * process itself is started by libs/testing's `startProcess`.
 */
import { startProcess, type RunningProcess } from '@poppy/testing';
import { createProviderClient, type ProviderClient } from '../provider-client';
import { ProviderError } from '../provider-error';

export interface AdapterProcessOptions {
  /** The built process, e.g. 'provider-fastly'. */
  name: string;
  /** The adapter's settings (POPPY_PROVIDER_PORT defaults to '0', a free port). */
  env?: Record<string, string>;
  /** The client's deadline per call. @default 10_000 */
  deadlineMs?: number;
}

export interface AdapterProcess {
  process: RunningProcess;
  /** `127.0.0.1:<port>` */
  address: string;
  client: ProviderClient;
  /** Closes the client and stops the process (SIGTERM, waiting for the exit). */
  stop(): Promise<void>;
}

export async function startAdapterProcess(options: AdapterProcessOptions): Promise<AdapterProcess> {
  const process = await startProcess(options.name, {
    POPPY_PROVIDER_PORT: '0',
    ...(options.env ?? {}),
  });
  const address = `127.0.0.1:${process.port}`;
  const client = createProviderClient(address, { deadlineMs: options.deadlineMs ?? 10_000 });
  return {
    process,
    address,
    client,
    stop: async () => {
      client.close();
      await process.stop();
    },
  };
}

/** The ProviderError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const outcome = await promise.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome))
    throw new Error(`expected a ProviderError, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(ProviderError);
  return outcome.error as ProviderError;
}
