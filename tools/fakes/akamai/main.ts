/**
 * The Akamai fake as a process, for benchmarks and manual runs:
 * `node dist/fake-akamai/main.js` after `node tools/build.js`, or `npx tsx` of this file.
 * Settings: FAKE_AKAMAI_PORT (0 = free), FAKE_AKAMAI_RATE_PER_SECOND / _BURST,
 * FAKE_AKAMAI_STAGING_MS / _PRODUCTION_MS (activation delays). It prints one JSON line
 * with its base URL and credentials, then serves until stopped.
 */
import { FAKE_CREDENTIALS, FakeAkamai } from './fake-akamai';

const num = (name: string, fallback: number) => {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};

async function main(): Promise<void> {
  const rate = num('FAKE_AKAMAI_RATE_PER_SECOND', 0);
  const fake = new FakeAkamai({
    activationDelayMs: {
      staging: num('FAKE_AKAMAI_STAGING_MS', 0),
      production: num('FAKE_AKAMAI_PRODUCTION_MS', 0),
    },
    rateLimit: rate > 0 ? { perSecond: rate, burst: num('FAKE_AKAMAI_BURST', rate) } : undefined,
  });
  await fake.start(num('FAKE_AKAMAI_PORT', 0));
  process.stdout.write(
    `${JSON.stringify({ msg: 'fake-akamai ready', baseUrl: fake.baseUrl, ...FAKE_CREDENTIALS, contractId: fake.contractId, groupId: fake.groupId })}\n`,
  );
  const stop = () => void fake.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
