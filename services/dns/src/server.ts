/** Thin gRPC handlers: decode, call OperatorDns, encode. */
import { accessUrlFromWire, accessUrlToWire, dnsV1 } from '@poppy/contracts';
import { bindUnaryService, type GrpcServiceBinding, type Logger } from '@poppy/platform';
import type { OperatorDns } from './operator-dns';

export function dnsGrpcService(dns: OperatorDns, logger: Logger): GrpcServiceBinding {
  return bindUnaryService(
    dnsV1.DnsServiceService,
    {
      describeDns: async () => ({
        dns_name: dns.dnsName,
        alive: await dns.isAlive(),
        manual: dns.manual,
      }),
      createRecords: async (req) => {
        const out = await dns.create(req.provider_name, req.links);
        return {
          access_urls: out.accessUrls.map(accessUrlToWire),
          required_records: out.requiredRecords,
        };
      },
      updateRecords: async (req) => {
        const out = await dns.update(
          req.provider_name,
          req.links,
          req.previous.map(accessUrlFromWire),
        );
        return {
          access_urls: out.accessUrls.map(accessUrlToWire),
          required_records: out.requiredRecords,
        };
      },
      deleteRecords: async (req) => {
        await dns.delete(req.provider_name, req.access_urls.map(accessUrlFromWire));
        return {};
      },
      enableRecords: async (req) => ({
        required_records: await dns.setTargets(req.access_urls.map(accessUrlFromWire), 'enabled'),
      }),
      disableRecords: async (req) => ({
        required_records: await dns.setTargets(req.access_urls.map(accessUrlFromWire), 'disabled'),
      }),
      moveRecord: async (req) => ({
        required_records: await dns.move(
          req.domain,
          req.from_operator_url,
          req.to_operator_url,
          req.target,
        ),
      }),
      listSharedSslShards: async () => ({ shards: await dns.sharedSslShards() }),
      upsertTxtRecord: async (req) => {
        await dns.upsertTxt(req.name, req.value, req.ttl);
        return {};
      },
      deleteTxtRecord: async (req) => {
        await dns.deleteTxt(req.name, req.value);
        return {};
      },
    },
    logger,
  );
}
