/**
 * The built provider-varnish process (dist/provider-varnish/main.js) over gRPC against a
 * real varnishd: the provider contract suite, then what the edge itself must show — a
 * rejected VCL leaves the previous one serving, an adapter restart reads the services
 * back from varnishd, an unreachable varnishd is a retryable error.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { commonV1 } from '@poppy/contracts';
import type { ProviderClient } from '@poppy/provider-kit';
import {
  describeProviderContract,
  providerErrorOf,
  startAdapterProcess,
  type AdapterProcess,
  type ProviderContractTarget,
} from '@poppy/provider-kit/testing';
import { makeTempDir, startVarnish, type Varnish } from '@poppy/testing';

jest.setTimeout(60_000);

const DEADLINE_MS = 15_000;

function adapterEnv(varnish: Varnish, extra: Record<string, string> = {}): Record<string, string> {
  return {
    POPPY_PROVIDER_PORT: '0',
    POPPY_VARNISH_ADMIN_ADDRESS: varnish.adminAddress,
    POPPY_VARNISH_HTTP_ADDRESS: varnish.httpAddress,
    POPPY_VARNISH_SECRET_FILE: varnish.secretFile,
    POPPY_VARNISH_EDGE_HOSTNAME: 'edge.poppy.test',
    ...extra,
  };
}

function startAdapter(
  varnish: Varnish,
  extra: Record<string, string> = {},
): Promise<AdapterProcess> {
  return startAdapterProcess({
    name: 'provider-varnish',
    env: adapterEnv(varnish, extra),
    deadlineMs: DEADLINE_MS,
  });
}

/** Origins resolve at VCL compile time: the contract's origin is a loopback address. */
function contractSpec(n: string): commonV1.ServiceSpec {
  return {
    name: `contract-${n}`,
    domains: [
      { domain: `www.${n}.contract.example.com`, protocol: 'http' },
      { domain: `static.${n}.contract.example.com`, protocol: 'http' },
    ],
    origins: [{ origin: '127.0.0.1', port: 9, ssl: false, rules: [], hostheadertype: 'domain' }],
    caching: [{ name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'contract',
    log_delivery: { enabled: false },
  };
}

/** GET through the edge with a Host header; resolves with the status. */
function edgeGet(varnish: Varnish, host: string, path = '/'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: varnish.httpPort, path, headers: { host } },
      (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.once('error', reject);
  });
}

interface VarnishTarget extends ProviderContractTarget {
  varnish: Varnish;
  /** An adapter whose varnishd management port refuses connections. */
  orphan: ProviderClient;
  /** An adapter with the wrong management secret. */
  stranger: ProviderClient;
}

describeProviderContract<VarnishTarget>(
  'provider-varnish',
  async () => {
    const varnish = await startVarnish();
    const adapter = await startAdapter(varnish);
    const orphan = await startAdapter(varnish, {
      POPPY_VARNISH_ADMIN_ADDRESS: '127.0.0.1:1',
      POPPY_VARNISH_CLI_TIMEOUT_MS: '2000',
    });
    const wrongSecret = path.join(makeTempDir('varnish-wrong-secret'), 'secret');
    fs.writeFileSync(wrongSecret, 'not the secret\n');
    const stranger = await startAdapter(varnish, { POPPY_VARNISH_SECRET_FILE: wrongSecret });
    return {
      client: adapter.client,
      varnish,
      orphan: orphan.client,
      stranger: stranger.client,
      teardown: async () => {
        await adapter.stop();
        await orphan.stop();
        await stranger.stop();
        await varnish.stop();
      },
    };
  },
  {
    providerName: 'Varnish',
    spec: contractSpec,
    links: 'per-domain',
    timeoutMs: 30_000,
    errorCases: [
      {
        name: 'an origin the edge cannot resolve (VCL rejected by the compiler)',
        retryable: false,
        call: (target) =>
          target.client.createService({
            project_id: 'p1',
            service_id: randomUUID(),
            spec: {
              ...contractSpec(randomUUID().slice(0, 8)),
              origins: [
                {
                  origin: 'origin.does-not-exist.invalid',
                  port: 80,
                  ssl: false,
                  rules: [],
                  hostheadertype: 'domain',
                },
              ],
            },
          }),
      },
      {
        name: 'a TLS origin (not supported by Varnish Cache)',
        retryable: false,
        call: (target) =>
          target.client.createService({
            project_id: 'p1',
            service_id: randomUUID(),
            spec: {
              ...contractSpec(randomUUID().slice(0, 8)),
              origins: [
                { origin: '127.0.0.1', port: 443, ssl: true, rules: [], hostheadertype: 'domain' },
              ],
            },
          }),
      },
      {
        name: 'a varnishd refusing the management secret',
        retryable: false,
        call: (target) =>
          target.stranger.createService({
            project_id: 'p1',
            service_id: randomUUID(),
            spec: contractSpec(randomUUID().slice(0, 8)),
          }),
      },
      {
        name: 'an unreachable varnishd',
        retryable: true,
        call: (target) =>
          target.orphan.createService({
            project_id: 'p1',
            service_id: randomUUID(),
            spec: contractSpec(randomUUID().slice(0, 8)),
          }),
      },
    ],
  },
);

describe('provider-varnish against a real varnishd', () => {
  let varnish: Varnish;
  beforeAll(async () => {
    varnish = await startVarnish();
  });
  afterAll(async () => {
    await varnish?.stop();
  });

  it('keeps the previous VCL serving when a load is rejected, and reads its services back after a restart', async () => {
    const first = await startAdapter(varnish);
    const n = randomUUID().slice(0, 8);
    const good = contractSpec(n);
    const goodId = randomUUID();
    await first.client.createService({ project_id: 'p1', service_id: goodId, spec: good });
    const host = good.domains[0].domain;
    // The origin (port 9, discard) refuses: 503 from the edge means the host is served; 404 means unknown.
    expect(await edgeGet(varnish, host)).toBe(503);
    expect(await edgeGet(varnish, 'unknown.example.com')).toBe(404);
    const activeBefore = varnish
      .adm('vcl.list')
      .split('\n')
      .find((l) => l.startsWith('active'));

    const bad = {
      ...contractSpec(`${n}b`),
      origins: [
        { origin: 'nowhere.invalid', port: 80, ssl: false, rules: [], hostheadertype: 'domain' },
      ],
    };
    const error = await providerErrorOf(
      first.client.createService({ project_id: 'p1', service_id: randomUUID(), spec: bad }),
    );
    expect(error).toMatchObject({ retryable: false, errorClass: 'varnish.VclRejected' });
    expect(error.message).toContain('nowhere.invalid');
    expect(
      varnish
        .adm('vcl.list')
        .split('\n')
        .find((l) => l.startsWith('active')),
    ).toBe(activeBefore);
    expect(await edgeGet(varnish, host)).toBe(503);

    await first.stop();
    const second = await startAdapter(varnish);
    try {
      const got = await second.client.getService({
        project_id: 'p1',
        service_id: goodId,
        provider_service_id: '',
      });
      expect(got.found).toBe(true);
      expect(got.spec?.domains.map((d) => d.domain)).toEqual(good.domains.map((d) => d.domain));
      // A change through the new adapter keeps the old service and removes the deleted one.
      await second.client.deleteService({
        project_id: 'p1',
        service_id: goodId,
        provider_service_id: `varnish-${goodId}`,
      });
      expect(await edgeGet(varnish, host)).toBe(404);
    } finally {
      await second.stop();
    }
  });
});
