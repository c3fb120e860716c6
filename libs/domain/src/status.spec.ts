import type { ProviderDetail, ProviderStatus, ServiceStatus } from './model';
import { aggregateServiceStatus, displayedStatus } from './status';

const detail = (status: string): ProviderDetail => ({
  access_urls: [],
  status: status as ProviderStatus,
  domains_certificate_status: {},
});

const detailsOf = (statuses: string[]): Record<string, ProviderDetail> =>
  Object.fromEntries(statuses.map((s, i) => [`Provider${i}`, detail(s)]));

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

describe('aggregateServiceStatus (docs/behaviour.md D-7)', () => {
  it('is create_in_progress without provider details', () => {
    expect(aggregateServiceStatus({})).toBe('create_in_progress');
  });

  const table: Array<[string[], ServiceStatus]> = [
    [['deployed'], 'deployed'],
    [['deployed', 'deployed'], 'deployed'],
    [['deploy_in_progress'], 'create_in_progress'],
    [['deploy_in_progress', 'deployed'], 'create_in_progress'],
    [['update_in_progress'], 'update_in_progress'],
    [['update_in_progress', 'deploy_in_progress'], 'update_in_progress'],
    [['update_in_progress', 'deployed'], 'update_in_progress'],
    [['delete_in_progress'], 'delete_in_progress'],
    [['delete_in_progress', 'update_in_progress', 'deploy_in_progress'], 'delete_in_progress'],
    [['failed'], 'failed'],
    [['failed', 'delete_in_progress', 'update_in_progress', 'deployed'], 'failed'],
    [['unknown', 'deployed'], 'deployed'],
  ];

  it.each(table)('aggregates %j to %s, in every order', (statuses, expected) => {
    for (const order of permutations(statuses)) {
      expect(aggregateServiceStatus(detailsOf(order))).toBe(expected);
    }
  });
});

describe('displayedStatus', () => {
  it('is disabled while the operator disabled the service, whatever the providers say', () => {
    expect(
      displayedStatus({ operator_status: 'disabled', provider_details: detailsOf(['deployed']) }),
    ).toBe('disabled');
    expect(displayedStatus({ operator_status: 'disabled', provider_details: {} })).toBe('disabled');
  });

  it('is the aggregated status while enabled', () => {
    expect(
      displayedStatus({
        operator_status: 'enabled',
        provider_details: detailsOf(['failed', 'deployed']),
      }),
    ).toBe('failed');
  });
});
