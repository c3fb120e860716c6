/**
 * The Cloudflare fake as a process, for benchmarks and manual runs:
 * `node dist/fake-cloudflare/main.js` (after `node tools/build.js`). Settings:
 * POPPY_FAKE_PORT (0 = any), POPPY_FAKE_CLOUDFLARE_RATE (requests per second per token),
 * POPPY_FAKE_CLOUDFLARE_ACTIVATION_MS. Prints one JSON line with the base URL, the zone
 * id and the token once listening.
 */
import { FAKE_TOKEN, FAKE_ZONE_ID, FakeCloudflare } from './fake-cloudflare';

async function main(): Promise<void> {
  const rate = Number(process.env.POPPY_FAKE_CLOUDFLARE_RATE ?? 0);
  const fake = await new FakeCloudflare({
    activationDelayMs: Number(process.env.POPPY_FAKE_CLOUDFLARE_ACTIVATION_MS ?? 200),
    ...(rate > 0 ? { requestLimit: { requests: rate, windowMs: 1000 } } : {}),
  }).start(Number(process.env.POPPY_FAKE_PORT ?? 0));
  process.stdout.write(
    `${JSON.stringify({ msg: 'fake-cloudflare ready', port: fake.port, baseUrl: fake.baseUrl, zoneId: FAKE_ZONE_ID, token: FAKE_TOKEN })}\n`,
  );
  const stop = () => {
    process.stdout.write(
      `${JSON.stringify({ msg: 'fake-cloudflare stopped', requests: fake.requests.length, refusedOverLimit: fake.refusedOverLimit })}\n`,
    );
    void fake.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
