/**
 * The rehearsal in its bounded CI form (fewer requests, shorter pauses): no request lost and
 * no job stuck while replicas of every kind are killed and rolled. Figures are printed.
 */
import { dropTestKeyspace, testCassandraContactPoint, testKeyspace } from '@poppy/testing';
import { formatReport, runRehearsal } from './rehearsal';

jest.setTimeout(300_000);

it('loses no request and strands no job while every kind is killed and rolled', async () => {
  const cassandra = testCassandraContactPoint();
  const keyspace = testKeyspace('rehearse');
  try {
    const report = await runRehearsal({ cassandra, keyspace, rate: 8, settleSeconds: 1 });
    process.stdout.write(`${formatReport(report)}\n`);
    expect(report.steps.map((s) => s.step)).toEqual([
      'steady load',
      'kill one gateway',
      'kill one catalog',
      'kill one provisioning',
      'kill one provider-mock',
      'kill one NATS node',
      'roll gateway',
      'roll catalog',
      'roll provisioning',
      'roll provider-mock',
    ]);
    expect(report.created).toBeGreaterThan(10);
    expect(report.streamReplicas).toBe(3);
    expect({ lost: report.lost, stuck: report.stuck }).toEqual({ lost: 0, stuck: 0 });
  } finally {
    await dropTestKeyspace(cassandra, keyspace);
  }
});
