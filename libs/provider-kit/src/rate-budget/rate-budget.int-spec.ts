import { startNatsServer, type NatsServer } from '@poppy/testing';
import { NatsBucketStore } from './nats-bucket-store';
import { BucketRateBudget } from './rate-budget';
import { describeRateBudgetContract } from './rate-budget.contract';

describeRateBudgetContract('NATS JetStream KV (every replica)', async () => {
  const server: NatsServer = await startNatsServer();
  return {
    // A connection per budget, as two replicas would have.
    open: (name, options) =>
      new BucketRateBudget(
        new NatsBucketStore({ servers: server.url, key: name, kvBucket: 'contract_budgets' }),
        options,
      ),
    close: () => server.stop(),
  };
});
