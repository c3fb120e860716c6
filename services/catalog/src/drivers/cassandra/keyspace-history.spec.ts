import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkMissingKeyspace, KeyspaceHistory, KeyspaceMissingError } from './keyspace-history';

let dir: string;
let history: KeyspaceHistory;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-ks-history-'));
  history = new KeyspaceHistory(path.join(dir, 'sub', 'cassandra-keyspaces.json'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('checkMissingKeyspace', () => {
  it('allows creating a keyspace never used when starts may create one', () => {
    expect(() =>
      checkMissingKeyspace('c1', 'poppy', { create: true, explicit: false, history }),
    ).not.toThrow();
  });

  it('stops a start that may not create keyspaces, pointing at migrate', () => {
    expect(() =>
      checkMissingKeyspace('c1', 'poppy', { create: false, explicit: false, history }),
    ).toThrow(/POPPY_CASSANDRA_CREATE_KEYSPACE is false.*`migrate`/);
  });

  it('stops with "data was lost" when the keyspace was used before, even when starts may create', () => {
    history.recordUse('c1', 'poppy', new Date('2026-01-02T03:04:05Z'));
    let error: unknown;
    try {
      checkMissingKeyspace('c1', 'poppy', { create: true, explicit: false, history });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KeyspaceMissingError);
    expect((error as Error).message).toMatch(
      /has used it since 2026-01-02T03:04:05.000Z .*its data was lost/,
    );
  });

  it('tells clusters and keyspaces apart, and lets migrate re-create on purpose', () => {
    history.recordUse('c1', 'poppy');
    const policy = { create: true, explicit: false, history };
    expect(() => checkMissingKeyspace('c2', 'poppy', policy)).not.toThrow();
    expect(() => checkMissingKeyspace('c1', 'other', policy)).not.toThrow();
    expect(() =>
      checkMissingKeyspace('c1', 'poppy', { create: true, explicit: true, history }),
    ).not.toThrow();
  });
});

describe('KeyspaceHistory', () => {
  it('keeps the first use, survives a new instance and forgets on request', () => {
    history.recordUse('c1', 'poppy', new Date('2026-01-01T00:00:00Z'));
    history.recordUse('c1', 'poppy', new Date('2026-02-01T00:00:00Z'));
    const again = new KeyspaceHistory(history.file);
    expect(again.usedSince('c1', 'poppy')).toBe('2026-01-01T00:00:00.000Z');
    again.forget('c1', 'poppy');
    expect(history.usedSince('c1', 'poppy')).toBeUndefined();
  });

  it('refuses to guess when the record is unreadable', () => {
    fs.mkdirSync(path.dirname(history.file), { recursive: true });
    fs.writeFileSync(history.file, '{not json');
    expect(() => history.usedSince('c1', 'poppy')).toThrow(/cannot read the keyspace record/);
  });
});
