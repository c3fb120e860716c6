import type { commonV1 } from '@poppy/contracts';
import { ProviderError } from '@poppy/provider-kit';
import { VarnishCliError, VarnishUnreachableError } from './admin/varnish-cli';
import { DEFAULT_ROUTER_SHARDS, VarnishDriver, type VarnishAdmin } from './varnish-driver';
import { routerShardOf, shardLabel } from './vcl/render-vcl';

/**
 * A varnishd stand-in: VCLs by name, labels, the active VCL, the commands seen; rejects a
 * VCL containing "reject.invalid", refuses to discard what a label or the active VCL uses.
 */
class FakeVarnish implements VarnishAdmin {
  vcls = new Map<string, string>([['boot', 'vcl 4.1;']]);
  labels = new Map<string, string>();
  active = 'boot';
  commands: string[][] = [];
  async run(verb: string, ...args: string[]): Promise<string> {
    this.commands.push([verb, ...args]);
    switch (verb) {
      case 'ping':
        return 'PONG';
      case 'vcl.inline':
        if (args[1].includes('reject.invalid'))
          throw new VarnishCliError(
            'vcl.inline x',
            106,
            "Backend host 'reject.invalid' could not be resolved",
          );
        for (const label of args[1].match(/return \(vcl\(([^)]+)\)\)/g) ?? []) {
          const name = /vcl\(([^)]+)\)/.exec(label)![1];
          if (!this.labels.has(name))
            throw new VarnishCliError('vcl.inline x', 106, `unknown label ${name}`);
        }
        this.vcls.set(args[0], args[1]);
        return 'VCL compiled.';
      case 'vcl.label':
        if (!this.vcls.has(args[1])) throw new VarnishCliError('vcl.label', 106, 'no such VCL');
        this.labels.set(args[0], args[1]);
        return '';
      case 'vcl.use':
        this.active = args[0];
        return '';
      case 'vcl.discard':
        if (this.labels.has(args[0])) {
          if (this.vcls.get(this.active)?.includes(`vcl(${args[0]})`))
            throw new VarnishCliError('vcl.discard', 300, 'label in use');
          this.labels.delete(args[0]);
          return '';
        }
        if (args[0] === this.active || [...this.labels.values()].includes(args[0]))
          throw new VarnishCliError('vcl.discard', 300, 'in use');
        this.vcls.delete(args[0]);
        return '';
      case 'vcl.list':
        return JSON.stringify([
          2,
          ['vcl.list', '-j'],
          0,
          ...[...this.vcls.keys()].map((name) => ({
            status: name === this.active ? 'active' : 'available',
            state: 'auto',
            name,
            ...([...this.labels.values()].includes(name) ? { labels: 1 } : {}),
          })),
          ...[...this.labels.entries()].map(([name, target]) => ({
            status: 'available',
            state: 'label',
            name,
            label: { name: target, refs: 1 },
          })),
        ]);
      case 'vcl.show':
        return this.vcls.get(this.labels.get(args[0]) ?? args[0]) ?? '';
      case 'param.set':
      case 'ban':
        return '';
      default:
        throw new Error(`unexpected ${verb}`);
    }
  }
  verbs(): string[] {
    return this.commands.map((c) => c[0]);
  }
  /** What serves requests: the active router and every labelled VCL. */
  served(): string {
    return [
      this.vcls.get(this.active),
      ...[...this.labels.values()].map((n) => this.vcls.get(n)),
    ].join('\n');
  }
}

const OPTIONS = {
  edgeHostname: 'edge.example.net',
  geoHeader: 'X-Country-Code',
  refreshToken: 'tok-12345678',
};
const SHARDS = DEFAULT_ROUTER_SHARDS;

/** Whether the edge answers `host`: the active router routes its shard, whose VCL calls a service for it. */
function routes(varnish: FakeVarnish, host: string): boolean {
  const label = shardLabel(routerShardOf(host, SHARDS));
  const router = varnish.vcls.get(varnish.active) ?? '';
  const shard = varnish.vcls.get(varnish.labels.get(label) ?? '') ?? '';
  return (
    router.includes(`return (vcl(${label}));`) && shard.includes(`req.http.host == {"${host}"}`)
  );
}

function spec(domain: string, origin = '127.0.0.1'): commonV1.ServiceSpec {
  return {
    name: domain,
    domains: [{ domain, protocol: 'http' }],
    origins: [{ origin, port: 8080, ssl: false, rules: [], hostheadertype: 'domain' }],
    caching: [],
    restrictions: [],
    flavor_id: 'varnish',
    log_delivery: { enabled: false },
  };
}

async function errorOf(p: Promise<unknown>): Promise<ProviderError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(ProviderError);
  return e as ProviderError;
}

describe('VarnishDriver', () => {
  it('loads and activates a VCL with the service, answering the edge host name for each domain', async () => {
    const varnish = new FakeVarnish();
    const driver = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    const { service } = await driver.createService({
      project_id: 'p',
      service_id: 's1',
      spec: spec('a.example.com'),
    });
    expect(service).toEqual({
      provider_service_id: 'varnish-s1',
      links: [{ domain: 'a.example.com', href: 'edge.example.net', rel: 'access_url' }],
      domains_certificate_status: {},
    });
    expect(varnish.active).toMatch(/^poppy_router_/);
    expect(routes(varnish, 'a.example.com')).toBe(true);
    expect(routes(varnish, 'b.example.com')).toBe(false);
    expect([...varnish.labels.keys()]).toEqual([
      shardLabel(routerShardOf('a.example.com', SHARDS)),
    ]);
    // a replayed create changes nothing
    const loads = varnish.verbs().filter((v) => v === 'vcl.inline').length;
    await driver.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') });
    expect(varnish.verbs().filter((v) => v === 'vcl.inline')).toHaveLength(loads);
  });

  it('keeps the previous VCL active and its services when the new one is rejected', async () => {
    const varnish = new FakeVarnish();
    const driver = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    await driver.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') });
    const before = varnish.active;
    const error = await errorOf(
      driver.createService({
        project_id: 'p',
        service_id: 's2',
        spec: spec('b.example.com', 'reject.invalid'),
      }),
    );
    expect(error).toMatchObject({ retryable: false, errorClass: 'varnish.VclRejected' });
    expect(varnish.active).toBe(before);
    expect(
      (await driver.getService({ project_id: 'p', service_id: 's2', provider_service_id: '' }))
        .found,
    ).toBe(false);
    expect(
      (await driver.getService({ project_id: 'p', service_id: 's1', provider_service_id: '' }))
        .found,
    ).toBe(true);
    // the next good change still carries s1 and not s2
    await driver.createService({ project_id: 'p', service_id: 's3', spec: spec('c.example.com') });
    const vcl = varnish.served();
    expect(vcl).toContain('a.example.com');
    expect(vcl).not.toContain('b.example.com');
    expect(varnish.labels.size).toBe(2);
  });

  it('reads the services back from the active VCL after a restart, and removes one on delete', async () => {
    const varnish = new FakeVarnish();
    await new VarnishDriver(varnish, jest.fn(), OPTIONS).createService({
      project_id: 'p',
      service_id: 's1',
      spec: spec('a.example.com'),
    });
    const restarted = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    expect(
      await restarted.getService({ project_id: 'p', service_id: 's1', provider_service_id: '' }),
    ).toMatchObject({
      found: true,
      links: [{ domain: 'a.example.com', href: 'edge.example.net', rel: 'access_url' }],
    });
    await restarted.deleteService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'varnish-s1',
    });
    expect(varnish.served()).not.toContain('a.example.com');
    expect(routes(varnish, 'a.example.com')).toBe(false);
    expect(varnish.labels.size).toBe(1); // the shard stays routed, empty
    // older generated VCLs discarded: boot, the router, the emptied shard
    expect([...varnish.vcls.keys()]).toEqual(['boot', varnish.active, ...varnish.labels.values()]);
    expect(
      (
        await new VarnishDriver(varnish, jest.fn(), OPTIONS).getService({
          project_id: 'p',
          service_id: 's1',
          provider_service_id: '',
        })
      ).found,
    ).toBe(false);
  });

  it('purges hard with a ban on the service hosts, soft by refreshing each domain', async () => {
    const varnish = new FakeVarnish();
    const refresh = jest.fn().mockResolvedValue(200);
    const driver = new VarnishDriver(varnish, refresh, OPTIONS);
    await driver.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') });
    const base = {
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'varnish-s1',
      spec: undefined,
    };
    await driver.purgeService({ ...base, hard: true, purge_url: '/img/a.png' });
    await driver.purgeService({ ...base, hard: true, purge_url: '/*' });
    await driver.purgeService({ ...base, hard: false, purge_url: '/img/b.png' });
    expect(varnish.commands.filter((c) => c[0] === 'ban')).toEqual([
      [
        'ban',
        'req.http.host',
        '~',
        '^(a\\.example\\.com)$',
        '&&',
        'req.url',
        '~',
        '^/img/a\\.png(\\?.*)?$',
      ],
      ['ban', 'req.http.host', '~', '^(a\\.example\\.com)$'],
    ]);
    expect(refresh).toHaveBeenCalledWith('a.example.com', '/img/b.png', 'tok-12345678');
  });

  it('refuses more queued changes than it takes, retryable with a hint', async () => {
    const varnish = new FakeVarnish();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: VarnishAdmin = {
      run: async (verb, ...args) =>
        verb === 'vcl.inline'
          ? gate.then(() => varnish.run(verb, ...args))
          : varnish.run(verb, ...args),
    };
    const driver = new VarnishDriver(slow, jest.fn(), {
      ...OPTIONS,
      maxQueuedChanges: 2,
      busyRetryAfterMs: 1500,
    });
    const first = driver.createService({
      project_id: 'p',
      service_id: 's1',
      spec: spec('a.example.com'),
    });
    const second = driver.createService({
      project_id: 'p',
      service_id: 's2',
      spec: spec('b.example.com'),
    });
    const error = await errorOf(
      driver.createService({ project_id: 'p', service_id: 's3', spec: spec('c.example.com') }),
    );
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 1500,
      errorClass: 'varnish.Busy',
    });
    release();
    await Promise.all([first, second]);
    expect(varnish.served()).toContain('b.example.com');
  });

  it('updates a service by re-pointing its shard label, without a new router when its shards stay', async () => {
    const varnish = new FakeVarnish();
    const driver = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    await driver.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') });
    const router = varnish.active;
    const changed = {
      ...spec('a.example.com'),
      caching: [{ name: 'default', ttl: 77, rules: [{ name: 'd', request_url: '/*' }] }],
    };
    await driver.updateService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'varnish-s1',
      spec: changed,
    });
    expect(varnish.active).toBe(router);
    expect(varnish.served()).toContain('set beresp.ttl = 77s;');
    expect([...varnish.vcls.keys()]).toHaveLength(3); // boot, router, the new shard VCL (the old one discarded)
    await driver.updateService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'varnish-s1',
      spec: { ...changed, domains: [{ domain: 'z.example.com', protocol: 'http' }] },
    });
    expect(routerShardOf('z.example.com', SHARDS)).not.toBe(routerShardOf('a.example.com', SHARDS));
    expect(varnish.active).not.toBe(router); // z's shard is used for the first time
    expect(routes(varnish, 'z.example.com')).toBe(true);
    expect(routes(varnish, 'a.example.com')).toBe(false);
    expect(varnish.served()).not.toContain('a.example.com');
  });
  it('loads a change of a service made in the same millisecond as the change that wrote it', async () => {
    // Revisions are milliseconds (vcl/vcl-state.ts); a clock that has not moved on (or moved
    // back) must still give the new change a higher revision than the one it replaces.
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    try {
      const varnish = new FakeVarnish();
      const driver = new VarnishDriver(varnish, jest.fn(), OPTIONS);
      const twoShards = { project_id: 'p', service_id: 's1', provider_service_id: '' };
      const domains = ['a.example.com', 'z.example.com'];
      const original = {
        ...spec(domains[0]),
        domains: domains.map((domain) => ({ domain, protocol: 'http' })),
      };
      await driver.createService({ ...twoShards, spec: original });
      const updated = {
        ...original,
        caching: [{ name: 'd', ttl: 77, rules: [{ name: 'd', request_url: '/*' }] }],
      };
      await driver.updateService({ ...twoShards, spec: updated });
      const shardVcls = () =>
        domains.map((d) =>
          varnish.vcls.get(varnish.labels.get(shardLabel(routerShardOf(d, SHARDS)))!)!,
        );
      for (const v of shardVcls()) expect(v).toContain('set beresp.ttl = 77s;');
      now.mockReturnValue(1_600_000_000_000); // the clock stepped back
      await driver.updateService({ ...twoShards, spec: original });
      for (const v of shardVcls()) expect(v).not.toContain('set beresp.ttl = 77s;');
      // a delete half-way (one label moved) still wins over the copy the other shard serves
      let labelled = 0;
      const dying: VarnishAdmin = {
        run: async (verb, ...args) => {
          if (verb === 'vcl.label' && ++labelled > 1)
            throw new VarnishUnreachableError('adapter died');
          return varnish.run(verb, ...args);
        },
      };
      await errorOf(new VarnishDriver(dying, jest.fn(), OPTIONS).deleteService(twoShards));
      expect(
        (await new VarnishDriver(varnish, jest.fn(), OPTIONS).getService(twoShards)).found,
      ).toBe(false);
      for (const d of domains) expect(routes(varnish, d)).toBe(false);
    } finally {
      now.mockRestore();
    }
  });
});

describe('VarnishDriver and other VCLs', () => {
  it('does not hold a service whose change stopped before the router switched (adapter died), and a replayed create finishes it', async () => {
    const varnish = new FakeVarnish();
    const run = varnish.run.bind(varnish);
    let dead = false;
    const dying: VarnishAdmin = {
      run: async (verb, ...args) => {
        if (dead) throw new VarnishUnreachableError('adapter died');
        if (verb === 'vcl.use') {
          dead = true;
          throw new VarnishUnreachableError('adapter died');
        }
        return run(verb, ...args);
      },
    };
    await new VarnishDriver(varnish, jest.fn(), OPTIONS).createService({
      project_id: 'p',
      service_id: 's0',
      spec: spec('z.example.com'),
    });
    const first = new VarnishDriver(dying, jest.fn(), OPTIONS);
    expect(
      await errorOf(
        first.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') }),
      ),
    ).toMatchObject({ retryable: true });
    expect(routerShardOf('a.example.com', SHARDS)).not.toBe(routerShardOf('z.example.com', SHARDS));
    expect(varnish.labels.size).toBe(2); // a's shard labelled, never routed
    expect(routes(varnish, 'a.example.com')).toBe(false);
    const restarted = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    expect(
      (await restarted.getService({ project_id: 'p', service_id: 's1', provider_service_id: '' }))
        .found,
    ).toBe(false);
    await restarted.createService({
      project_id: 'p',
      service_id: 's1',
      spec: spec('a.example.com'),
    });
    expect(routes(varnish, 'a.example.com')).toBe(true);
    expect(routes(varnish, 'z.example.com')).toBe(true);
    expect(varnish.labels.size).toBe(2);
  });

  it('reads the services again before a change when another VCL became active meanwhile', async () => {
    const varnish = new FakeVarnish();
    const one = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    const two = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    await one.createService({ project_id: 'p', service_id: 's1', spec: spec('a.example.com') });
    await two.createService({ project_id: 'p', service_id: 's2', spec: spec('b.example.com') });
    await one.createService({ project_id: 'p', service_id: 's3', spec: spec('c.example.com') });
    for (const d of ['a', 'b', 'c']) expect(routes(varnish, `${d}.example.com`)).toBe(true);
    const hosts = ['a', 'b', 'c'].map((d) => routerShardOf(`${d}.example.com`, SHARDS));
    expect(varnish.labels.size).toBe(new Set(hosts).size);
  });

  it('loads the changes that wait together, and a service the compiler rejects fails alone', async () => {
    const varnish = new FakeVarnish();
    const driver = new VarnishDriver(varnish, jest.fn(), { ...OPTIONS, routerShards: 1 });
    await driver.createService({ project_id: 'p', service_id: 's0', spec: spec('z.example.com') });
    const inlines = () => varnish.verbs().filter((v) => v === 'vcl.inline').length;
    const before = inlines();
    const results = await Promise.allSettled(
      ['a', 'b', 'c'].map((d, i) =>
        driver.createService({
          project_id: 'p',
          service_id: `s${i + 1}`,
          spec: spec(`${d}.example.com`, d === 'b' ? 'reject.invalid' : '127.0.0.1'),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    // s1 alone; then s2+s3 in one load (rejected), then each alone: 4 shard loads, no router
    expect(inlines() - before).toBe(4);
    for (const d of ['z', 'a', 'c']) expect(routes1(varnish, `${d}.example.com`)).toBe(true);
    expect(varnish.served()).not.toContain('b.example.com');
  });

  it('finishes a change that stopped between two label moves (adapter died), before answering', async () => {
    const varnish = new FakeVarnish();
    const twoShards = { project_id: 'p', service_id: 's1', provider_service_id: '' };
    const domains = ['a.example.com', 'z.example.com'];
    expect(routerShardOf(domains[0], SHARDS)).not.toBe(routerShardOf(domains[1], SHARDS));
    const original = {
      ...spec(domains[0]),
      domains: domains.map((domain) => ({ domain, protocol: 'http' })),
    };
    await new VarnishDriver(varnish, jest.fn(), OPTIONS).createService({
      ...twoShards,
      spec: original,
    });
    const dyingAfterOneLabel = (): VarnishAdmin => {
      let labelled = 0;
      return {
        run: async (verb, ...args) => {
          if (verb === 'vcl.label' && ++labelled > 1)
            throw new VarnishUnreachableError('adapter died');
          return varnish.run(verb, ...args);
        },
      };
    };
    const updated = {
      ...original,
      caching: [{ name: 'd', ttl: 77, rules: [{ name: 'd', request_url: '/*' }] }],
    };
    await errorOf(
      new VarnishDriver(dyingAfterOneLabel(), jest.fn(), OPTIONS).updateService({
        ...twoShards,
        spec: updated,
      }),
    );
    const shardVcls = () =>
      domains.map((d) =>
        varnish.vcls.get(varnish.labels.get(shardLabel(routerShardOf(d, SHARDS)))!)!,
      );
    expect(shardVcls().filter((v) => v.includes('set beresp.ttl = 77s;'))).toHaveLength(1); // half-way
    const restarted = new VarnishDriver(varnish, jest.fn(), OPTIONS);
    expect((await restarted.getService(twoShards)).spec).toEqual(updated);
    for (const v of shardVcls()) expect(v).toContain('set beresp.ttl = 77s;');
    // the same for a delete
    await errorOf(
      new VarnishDriver(dyingAfterOneLabel(), jest.fn(), OPTIONS).deleteService(twoShards),
    );
    expect(shardVcls().filter((v) => v.includes('set beresp.ttl = 77s;'))).toHaveLength(1);
    expect((await new VarnishDriver(varnish, jest.fn(), OPTIONS).getService(twoShards)).found).toBe(
      false,
    );
    for (const d of domains) expect(routes(varnish, d)).toBe(false);
  });
});

/** routes() for a driver with one shard. */
function routes1(varnish: FakeVarnish, host: string): boolean {
  const shard = varnish.vcls.get(varnish.labels.get(shardLabel(0)) ?? '') ?? '';
  return (
    (varnish.vcls.get(varnish.active) ?? '').includes(`return (vcl(${shardLabel(0)}));`) &&
    shard.includes(`req.http.host == {"${host}"}`)
  );
}
