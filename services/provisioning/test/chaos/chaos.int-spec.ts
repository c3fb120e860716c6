/**
 * The chaos suite (docs/reliability.md, "Chaos suite"). Bounded form here, in `npm test`:
 * a few dozen requests per fault. The full form is `npm run test:chaos`
 * (POPPY_CHAOS_FULL=1): more requests per fault (≥ 300 in all), NATS restarted with an
 * empty store, and, with POPPY_CHAOS_CASSANDRA=host:port (a node of your own, durable
 * mode: CASSANDRA_FAST_UNSAFE=0), the catalog on Cassandra and that node SIGKILLed and
 * stopped. POPPY_CHAOS_OPS and POPPY_CHAOS_RATE override the load per fault.
 */
import { CHAOS_TIMINGS, ChaosSystem, retryBudgetMs, sleep } from './chaos-system';
import { formatTable, runRound, type Fault, type RoundFigures } from './chaos-run';

const FULL = process.env.POPPY_CHAOS_FULL === '1';
const CASSANDRA = process.env.POPPY_CHAOS_CASSANDRA?.trim() || undefined;
const OPS = Number(process.env.POPPY_CHAOS_OPS ?? (FULL ? 60 : 16));
const RATE = Number(process.env.POPPY_CHAOS_RATE ?? (FULL ? 10 : 8));

const restartAfter =
  (role: 'catalog' | 'provisioning' | 'gateway', downMs: number) => async (system: ChaosSystem) => {
    await system.kill(role);
    await sleep(downMs);
    await system.startRole(role);
  };

const FAULTS: Fault[] = [
  { name: 'kill -9 provisioning', run: restartAfter('provisioning', 1500) },
  { name: 'kill -9 catalog', run: restartAfter('catalog', 1500) },
  { name: 'kill -9 gateway', run: restartAfter('gateway', 1000) },
  { name: 'NATS SIGKILL, store kept', run: (s) => s.crashNats(1500, false) },
  {
    name: 'catalog down longer than the retry budget',
    // Longer than the job's whole retry budget and than one wait of a flow (catalog-wait.ts).
    run: restartAfter(
      'catalog',
      Math.max(3 * retryBudgetMs(), CHAOS_TIMINGS.reconcileStuckAfterMs + 1500),
    ),
  },
  {
    name: 'one vendor hung',
    run: async (s) => {
      s.setVendorFaults({ hang: ['createService', 'updateService', 'deleteService'] });
      await sleep(2500);
      s.setVendorFaults({});
    },
  },
  // The queue re-creates its stream and consumers (docs/reliability.md): nothing restarts.
  { name: 'NATS SIGKILL, empty store', run: (s) => s.crashNats(1500, true) },
  ...(FULL && CASSANDRA
    ? [
        {
          name: 'Cassandra SIGKILL (durable)',
          run: (s: ChaosSystem) => s.cassandraOutage('kill', 1000),
        },
        {
          name: 'Cassandra graceful stop',
          run: (s: ChaosSystem) => s.cassandraOutage('stop', 1000),
        },
      ]
    : []),
];

jest.setTimeout(FULL ? 3_600_000 : 300_000);

describe(`chaos suite (${FULL ? 'full' : 'bounded'})`, () => {
  const system = new ChaosSystem({ cassandra: FULL ? CASSANDRA : undefined });
  const rows: RoundFigures[] = [];
  beforeAll(() => system.start(), 120_000);
  afterAll(async () => {
    // The table docs/reliability.md records.
    if (rows.length > 0) process.stdout.write(`\nChaos suite\n${formatTable(rows)}\n`);
    await system.stop();
  }, 60_000);

  for (const fault of FAULTS) {
    it(`${fault.name}: every acknowledged request took effect once, nothing lost, failed, stuck or orphaned`, async () => {
      const figures = await runRound(system, fault, { ops: OPS, perSecond: RATE });
      rows.push(figures);
      if (fault.expectedToFail) return;
      expect(figures.acknowledged).toBeGreaterThan(0);
      expect({
        notApplied: figures.notApplied,
        lost: figures.lost,
        failed: figures.failed,
        stuck: figures.stuck,
        orphans: figures.orphans,
        expectedToFail: figures.expectedToFail,
        problems: figures.problems,
      }).toEqual({
        notApplied: 0,
        lost: 0,
        failed: 0,
        stuck: 0,
        orphans: 0,
        expectedToFail: undefined,
        problems: [],
      });
    });
  }
});
