/**
 * The provisioning side of services/dns over real gRPC: a stand-in DnsService (same
 * contract, in-process) answers, fails retryably (UNAVAILABLE) or for good (INTERNAL).
 */
import { dnsV1 } from '@poppy/contracts';
import { PoppyError, unavailable, type Service } from '@poppy/domain';
import {
  bindUnaryService,
  createLogger,
  startGrpcServer,
  type RunningGrpcServer,
} from '@poppy/platform';
import { DnsError } from './dns-driver';
import { DnsServiceDriver } from './dns-service-driver';

const logger = createLogger('dns-stand-in', 'silent');
let server: RunningGrpcServer;
let driver: DnsServiceDriver;
let failure: PoppyError | undefined;
const seen: Array<{ method: string; request: unknown }> = [];

const answer = async <T>(method: string, request: unknown, response: T): Promise<T> => {
  seen.push({ method, request });
  if (failure) throw failure;
  return response;
};

beforeAll(async () => {
  server = await startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    logger,
    services: [
      bindUnaryService(
        dnsV1.DnsServiceService,
        {
          describeDns: (r) =>
            answer('describeDns', r, { dns_name: 'Stand-in', alive: true, manual: false }),
          createRecords: (r) =>
            answer('createRecords', r, {
              access_urls: r.links.map((l) => ({
                domain: l.domain,
                provider_url: l.href,
                operator_url: `${l.domain}.cdn1.test`,
                log_delivery: [],
              })),
              required_records: [],
            }),
          updateRecords: (r) =>
            answer('updateRecords', r, { access_urls: r.previous, required_records: [] }),
          deleteRecords: (r) => answer('deleteRecords', r, {}),
          enableRecords: (r) => answer('enableRecords', r, { required_records: [] }),
          disableRecords: (r) => answer('disableRecords', r, { required_records: [] }),
          listSharedSslShards: (r) => answer('listSharedSslShards', r, { shards: [] }),
          upsertTxtRecord: (r) => answer('upsertTxtRecord', r, {}),
          deleteTxtRecord: (r) => answer('deleteTxtRecord', r, {}),
          moveRecord: (r) => answer('moveRecord', r, { required_records: [] }),
        },
        logger,
      ),
    ],
  });
  driver = new DnsServiceDriver(`127.0.0.1:${server.port}`, { deadlineMs: 5000 });
});

afterAll(async () => {
  driver?.close();
  await server?.stop();
});

beforeEach(() => {
  failure = undefined;
  seen.length = 0;
});

it('maps links to the access URLs the service answers', async () => {
  expect(await driver.isAlive()).toBe(true);
  const urls = await driver.create('Mock', [
    { domain: 'www.a.com', href: 'a.vendor.net', rel: 'access_url' },
  ]);
  expect(urls).toEqual([
    { domain: 'www.a.com', provider_url: 'a.vendor.net', operator_url: 'www.a.com.cdn1.test' },
  ]);
});

it('enable/disable send every access URL of every provider, without log-delivery entries', async () => {
  const service = {
    provider_details: {
      A: {
        access_urls: [
          { domain: 'a.com', provider_url: 'a.v', operator_url: 'a.com.cdn1.test' },
          { log_delivery: [{ publicURL: 'https://s' }] },
        ],
        status: 'deployed',
        domains_certificate_status: {},
      },
      B: {
        access_urls: [{ domain: 'b.com', provider_url: 'b.v', operator_url: 'b.com.cdn2.test' }],
        status: 'deployed',
        domains_certificate_status: {},
      },
    },
  } as unknown as Service;
  await driver.disable(service);
  const sent = (seen[0]!.request as dnsV1.DisableRecordsRequest).access_urls.map(
    (a) => a.operator_url,
  );
  expect(seen[0]!.method).toBe('disableRecords');
  expect(sent).toEqual(['a.com.cdn1.test', 'b.com.cdn2.test']);
});

it('UNAVAILABLE → a retryable DnsError with the message; INTERNAL → not retryable', async () => {
  failure = unavailable('DNS (PowerDNS) failed for Mock: connection refused');
  const retryable = await driver
    .delete('Mock', [{ domain: 'a.com', provider_url: 'a.v', operator_url: 'a.com.cdn1.test' }])
    .catch((e: unknown) => e);
  expect(retryable).toBeInstanceOf(DnsError);
  expect(retryable).toMatchObject({
    retryable: true,
    message: 'DNS (PowerDNS) failed for Mock: connection refused',
  });

  failure = new PoppyError('internal', 'DNS (PowerDNS) failed for Mock: HTTP 422 bad name');
  await expect(driver.create('Mock', [])).rejects.toMatchObject({
    retryable: false,
    message: expect.stringMatching(/HTTP 422/),
  });
});

it('an unreachable dns service is retryable and not alive', async () => {
  const nowhere = new DnsServiceDriver('127.0.0.1:1', { deadlineMs: 500 });
  try {
    expect(await nowhere.isAlive()).toBe(false);
    await expect(nowhere.create('Mock', [])).rejects.toMatchObject({ retryable: true });
  } finally {
    nowhere.close();
  }
});
