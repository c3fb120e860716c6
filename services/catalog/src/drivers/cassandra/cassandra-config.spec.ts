import { ConfigError, EnvReader } from '@poppy/platform';
import { parseReplication, readCassandraConfig, replicationCql } from './cassandra-config';

const read = (env: Record<string, string>) => {
  const e = new EnvReader(env);
  const config = readCassandraConfig(e);
  return e.done(config);
};

describe('cassandra config', () => {
  it('defaults to a local node, LOCAL_QUORUM and LOCAL_SERIAL', () => {
    expect(read({})).toMatchObject({
      contactPoints: ['127.0.0.1:9042'],
      localDataCenter: 'datacenter1',
      keyspace: 'poppy',
      replication: { strategy: 'SimpleStrategy', factor: 1 },
      writeConsistency: 'LOCAL_QUORUM',
      readConsistency: 'LOCAL_QUORUM',
      serialConsistency: 'LOCAL_SERIAL',
      requestTimeoutMs: 4000,
      createKeyspace: true,
    });
    expect(read({ POPPY_CASSANDRA_CREATE_KEYSPACE: 'false' }).createKeyspace).toBe(false);
  });

  it('reads a multi-DC replication and renders it as CQL', () => {
    const r = parseReplication('NetworkTopologyStrategy:dc1=3,dc2=2');
    expect(r).toEqual({ strategy: 'NetworkTopologyStrategy', factors: { dc1: 3, dc2: 2 } });
    expect(replicationCql(r as Exclude<typeof r, string>)).toBe(
      "{'class': 'NetworkTopologyStrategy', 'dc1': 3, 'dc2': 2}",
    );
    expect(replicationCql({ strategy: 'SimpleStrategy', factor: 3 })).toBe(
      "{'class': 'SimpleStrategy', 'replication_factor': 3}",
    );
  });

  it('reports every bad setting at once', () => {
    let error: unknown;
    try {
      read({
        POPPY_CASSANDRA_CONTACT_POINTS: 'nohost',
        POPPY_CASSANDRA_KEYSPACE: 'bad-name',
        POPPY_CASSANDRA_REPLICATION: 'Everywhere:9',
        POPPY_CASSANDRA_WRITE_CONSISTENCY: 'MOST',
        POPPY_CASSANDRA_USERNAME: 'alone',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'POPPY_CASSANDRA_CONTACT_POINTS',
      'POPPY_CASSANDRA_KEYSPACE',
      'POPPY_CASSANDRA_REPLICATION',
      'POPPY_CASSANDRA_USERNAME and POPPY_CASSANDRA_PASSWORD',
      'POPPY_CASSANDRA_WRITE_CONSISTENCY',
    ]);
  });
});
