/**
 * The Fastly fake as a process (for benchmarks and manual runs):
 *   node tools/build.js && FAKE_FASTLY_RATE_LIMIT=20 FAKE_FASTLY_RATE_WINDOW_MS=1000 \
 *     node dist/fake-fastly/main.js
 * Prints one JSON line `{"msg":"fake-fastly ready","url":…,"token":…}`; on SIGTERM/SIGINT
 * prints `{"msg":"fake-fastly stopped","refused":N,"requests":N}` and exits.
 */
import { FakeFastly } from './fake-fastly';

const num = (name: string): number | undefined =>
  process.env[name] === undefined ? undefined : Number(process.env[name]);

async function main(): Promise<void> {
  const fake = new FakeFastly({
    tokens: process.env.FAKE_FASTLY_TOKEN ? [process.env.FAKE_FASTLY_TOKEN] : undefined,
    rateLimit: num('FAKE_FASTLY_RATE_LIMIT'),
    rateWindowMs: num('FAKE_FASTLY_RATE_WINDOW_MS'),
    countReads: process.env.FAKE_FASTLY_COUNT_READS === 'true',
    activationDelayMs: num('FAKE_FASTLY_ACTIVATION_DELAY_MS'),
  });
  const url = await fake.start();
  process.stdout.write(`${JSON.stringify({ msg: 'fake-fastly ready', url, token: fake.token })}\n`);
  const stop = async () => {
    await fake.stop();
    process.stdout.write(
      `${JSON.stringify({ msg: 'fake-fastly stopped', refused: fake.refused, requests: fake.requests.length })}\n`,
    );
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

void main();
