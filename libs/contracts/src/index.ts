/**
 * The façade over the generated contracts: import from '@poppy/contracts', never from
 * './gen' by path. Generated code lives in src/gen (buf + ts-proto, `npm run contracts`),
 * is committed, never edited, and CI fails when regenerating changes it.
 */
export * as catalogV1 from './gen/poppy/catalog/v1/catalog';
export * as providerV1 from './gen/poppy/provider/v1/provider';
export * as commonV1 from './gen/poppy/common/v1/service';
export * as certificatesV1 from './gen/poppy/certificates/v1/certificates';
export * as dnsV1 from './gen/poppy/dns/v1/dns';
export * as jobsV1 from './gen/poppy/jobs/v1/jobs';
export * as akamaiV1 from './gen/poppy/akamai/v1/akamai';
export * from './model-mapping';
