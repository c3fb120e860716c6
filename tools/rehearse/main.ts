/**
 * `npm run rehearse`: the multi-replica rehearsal (tools/rehearse/rehearsal.ts) with its
 * figures printed as a table; exits 1 when a request was lost or a job stuck.
 * Cassandra: REHEARSE_CASSANDRA (host:port) or POPPY_TEST_CASSANDRA, else the shared test node
 * (tools/infra/cassandra.sh, started if needed). REHEARSE_RATE sets the requests per second.
 */
import { testCassandraContactPoint, testKeyspace } from '@poppy/testing';
import { formatReport, runRehearsal } from './rehearsal';

async function main(): Promise<void> {
  const cassandra = process.env.REHEARSE_CASSANDRA ?? testCassandraContactPoint();
  const report = await runRehearsal({
    cassandra,
    keyspace: testKeyspace('rehearse'),
    rate: Number(process.env.REHEARSE_RATE ?? 20),
    log: (line) => process.stdout.write(`rehearse: ${line}\n`),
  });
  process.stdout.write(`\n${formatReport(report)}\n`);
  if (report.lost > 0 || report.stuck > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
