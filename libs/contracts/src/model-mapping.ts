/**
 * Conversions between the domain model (libs/domain) and its wire form (poppy.common.v1).
 * The wire form carries closed sets as strings; values read back were validated by the
 * domain on the way in, so the casts below restate that invariant rather than check it.
 */
import type {
  AccessUrl,
  Domain,
  Flavor,
  ProviderDetail,
  RestrictionRule,
  Service,
  ServiceSpec,
} from '@poppy/domain';
import type * as wire from './gen/poppy/common/v1/service';

function dropUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] === undefined) delete value[key];
  }
  return value;
}

export function specToWire(spec: ServiceSpec): wire.ServiceSpec {
  return {
    name: spec.name,
    domains: spec.domains.map((d) => ({ ...d })),
    origins: spec.origins.map((o) => ({ ...o, rules: o.rules.map((r) => ({ ...r })) })),
    caching: spec.caching.map((c) => ({ ...c, rules: c.rules.map((r) => ({ ...r })) })),
    restrictions: spec.restrictions.map((r) => ({ ...r, rules: r.rules.map((x) => ({ ...x })) })),
    flavor_id: spec.flavor_id,
    log_delivery: { enabled: spec.log_delivery.enabled },
  };
}

export function specFromWire(spec: wire.ServiceSpec | undefined): ServiceSpec {
  if (!spec) throw new TypeError('service spec missing from message');
  return {
    name: spec.name,
    domains: spec.domains.map((d) => dropUndefined({ ...d }) as Domain),
    origins: spec.origins.map((o) =>
      dropUndefined({
        origin: o.origin,
        port: o.port,
        ssl: o.ssl,
        rules: o.rules.map((r) => ({ name: r.name, request_url: r.request_url })),
        hostheadertype: o.hostheadertype as ServiceSpec['origins'][number]['hostheadertype'],
        hostheadervalue: o.hostheadervalue,
      }),
    ),
    caching: spec.caching.map((c) => ({
      name: c.name,
      ttl: c.ttl,
      rules: c.rules.map((r) => ({ name: r.name, request_url: r.request_url })),
    })),
    restrictions: spec.restrictions.map((r) => ({
      name: r.name,
      access: r.access as ServiceSpec['restrictions'][number]['access'],
      rules: r.rules.map((x) => dropUndefined({ ...x }) as RestrictionRule),
    })),
    flavor_id: spec.flavor_id,
    log_delivery: { enabled: spec.log_delivery?.enabled ?? false },
  };
}

export function accessUrlToWire(a: AccessUrl): wire.AccessUrl {
  return {
    domain: a.domain,
    provider_url: a.provider_url,
    operator_url: a.operator_url,
    shared_ssl_flag: a.shared_ssl_flag,
    old_operator_url: a.old_operator_url,
    log_delivery: (a.log_delivery ?? []).map((c) => ({
      public_url: c.publicURL,
      internal_url: c.internalURL,
    })),
  };
}

export function accessUrlFromWire(a: wire.AccessUrl): AccessUrl {
  const out: AccessUrl = dropUndefined({
    domain: a.domain,
    provider_url: a.provider_url,
    operator_url: a.operator_url,
    shared_ssl_flag: a.shared_ssl_flag,
    old_operator_url: a.old_operator_url,
  });
  if (a.log_delivery.length > 0) {
    out.log_delivery = a.log_delivery.map((c) =>
      dropUndefined({ publicURL: c.public_url, internalURL: c.internal_url }),
    );
  }
  return out;
}

export function providerDetailsToWire(
  details: Record<string, ProviderDetail>,
): Record<string, wire.ProviderDetail> {
  const out: Record<string, wire.ProviderDetail> = {};
  for (const [name, d] of Object.entries(details)) {
    out[name] = {
      id: d.id,
      access_urls: d.access_urls.map(accessUrlToWire),
      status: d.status,
      domains_certificate_status: { ...d.domains_certificate_status },
      error_info: d.error_info,
      error_message: d.error_message,
      error_class: d.error_class,
    };
  }
  return out;
}

export function providerDetailsFromWire(
  details: Record<string, wire.ProviderDetail>,
): Record<string, ProviderDetail> {
  const out: Record<string, ProviderDetail> = {};
  for (const [name, d] of Object.entries(details)) {
    out[name] = dropUndefined({
      id: d.id,
      access_urls: d.access_urls.map(accessUrlFromWire),
      status: d.status as ProviderDetail['status'],
      domains_certificate_status: { ...d.domains_certificate_status },
      error_info: d.error_info,
      error_message: d.error_message,
      error_class: d.error_class,
    });
  }
  return out;
}

export function serviceToWire(service: Service): wire.Service {
  return {
    service_id: service.service_id,
    project_id: service.project_id,
    spec: specToWire(service),
    operator_status: service.operator_status,
    provider_details: providerDetailsToWire(service.provider_details),
    generation: service.generation,
  };
}

export function serviceFromWire(service: wire.Service | undefined): Service {
  if (!service) throw new TypeError('service missing from message');
  return {
    service_id: service.service_id,
    project_id: service.project_id,
    ...specFromWire(service.spec),
    operator_status: service.operator_status as Service['operator_status'],
    provider_details: providerDetailsFromWire(service.provider_details),
    generation: service.generation,
  };
}

export function flavorToWire(flavor: Flavor): wire.Flavor {
  return { id: flavor.id, providers: flavor.providers.map((p) => ({ ...p })) };
}

export function flavorFromWire(flavor: wire.Flavor | undefined): Flavor {
  if (!flavor) throw new TypeError('flavor missing from message');
  return { id: flavor.id, providers: flavor.providers.map((p) => ({ ...p })) };
}
