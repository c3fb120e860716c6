import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeRateBudgetContract } from './rate-budget.contract';
import { BucketRateBudget, MemoryBucketStore } from './rate-budget';
import { SqliteBucketStore } from './sqlite-bucket-store';

describeRateBudgetContract('memory (one process)', async () => {
  const states = new Map<string, MemoryBucketStore>();
  return {
    open(name, options) {
      if (!states.has(name)) states.set(name, new MemoryBucketStore());
      return new BucketRateBudget(states.get(name)!, options);
    },
    close: async () => undefined,
  };
});

describeRateBudgetContract('SQLite file (one machine)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-rate-budget-'));
  const file = path.join(dir, 'jobs.sqlite');
  return {
    // A connection per budget, as two processes on one machine would have.
    open: (name, options) => new BucketRateBudget(new SqliteBucketStore(file, name), options),
    close: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});
