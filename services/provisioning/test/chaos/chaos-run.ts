/**
 * One chaos round: a steady load of creates, updates and deletes through the REST API
 * while one fault happens, then the figures docs/reliability.md ("Chaos suite") promises:
 * every acknowledged request took effect exactly once, no service lost, none failed, none
 * stuck in progress after one reconcile period, no vendor object without a service after
 * one sweep (counted at the mock vendor's own state and journal).
 */
import fs from 'node:fs';
import { CHAOS_TIMINGS, sleep, type ChaosSystem } from './chaos-system';

const PROJECT = 'chaos';

export interface Fault {
  name: string;
  run(system: ChaosSystem): Promise<void>;
  /** Known not to hold yet: reported, not asserted. */
  expectedToFail?: string;
}

export interface RoundFigures {
  fault: string;
  /** Requests sent / answered 202. */
  sent: number;
  acknowledged: number;
  /** Acknowledged requests without their effect (or with it twice at the vendor). */
  notApplied: number;
  lost: number;
  failed: number;
  stuck: number;
  orphans: number;
  expectedToFail?: string;
  /** What each figure above 0 counted, for the failure message. */
  problems: string[];
}

interface Tracked {
  /** Names an acknowledged or unanswered PATCH may have set; the last acknowledged first. */
  names: Set<string>;
  expectName: string;
  deleted: 'no' | 'acknowledged' | 'maybe';
  /** A request about it is in flight: the next waits, so "the last acknowledged" is well defined. */
  busy: boolean;
}

async function call(
  system: ChaosSystem,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<{ status: number; location?: string; body?: unknown } | undefined> {
  try {
    const res = await fetch(`${system.baseUrl}${urlPath}`, {
      method,
      headers: { 'X-Project-ID': PROJECT, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const text = await res.text();
    return {
      status: res.status,
      location: res.headers.get('location') ?? undefined,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  } catch {
    return undefined; // no answer: the request may or may not have taken effect
  }
}

let seq = 0;

/** Sends `ops` requests at `perSecond`, mixing creates (60 %), renames (25 %) and deletes (15 %). */
async function load(
  system: ChaosSystem,
  tracked: Map<string, Tracked>,
  ops: number,
  perSecond: number,
): Promise<{ sent: number; acknowledged: number }> {
  let acknowledged = 0;
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < ops; i++) {
    const live = [...tracked].filter(([, t]) => t.deleted === 'no' && !t.busy);
    const dice = Math.random();
    if (dice < 0.6 || live.length < 3) {
      const name = `svc-${++seq}`;
      inFlight.push(
        call(system, 'POST', '/v1.0/services', {
          name,
          domains: [{ domain: `www.c${process.pid}-${seq}.example.com` }],
          origins: [{ origin: 'origin.example.com' }],
          flavor_id: 'mock',
        }).then((reply) => {
          if (reply?.status !== 202 || !reply.location) return;
          acknowledged += 1;
          tracked.set(reply.location.split('/').pop()!, {
            names: new Set([name]),
            expectName: name,
            deleted: 'no',
            busy: false,
          });
        }),
      );
    } else {
      const [id, t] = live[Math.floor(Math.random() * live.length)];
      if (dice < 0.85) {
        const name = `renamed-${++seq}`;
        t.names.add(name);
        t.busy = true;
        inFlight.push(
          call(system, 'PATCH', `/v1.0/services/${id}`, [
            { op: 'replace', path: '/name', value: name },
          ]).then((reply) => {
            t.busy = false;
            if (reply?.status !== 202) {
              if (reply) t.names.delete(name); // answered no: it must not take effect
              return;
            }
            acknowledged += 1;
            t.expectName = name;
          }),
        );
      } else {
        t.deleted = 'maybe';
        t.busy = true;
        inFlight.push(
          call(system, 'DELETE', `/v1.0/services/${id}`).then((reply) => {
            t.busy = false;
            if (reply?.status === 202) {
              acknowledged += 1;
              t.deleted = 'acknowledged';
            } else if (reply) t.deleted = 'no';
          }),
        );
      }
    }
    await sleep(1000 / perSecond);
  }
  await Promise.all(inFlight);
  return { sent: ops, acknowledged };
}

async function statusOf(
  system: ChaosSystem,
  id: string,
): Promise<{ status: string; name?: string }> {
  for (;;) {
    const reply = await call(system, 'GET', `/v1.0/services/${id}`);
    if (reply?.status === 404) return { status: 'gone' };
    if (reply?.status === 200) {
      const body = reply.body as { status: string; name: string };
      return { status: body.status, name: body.name };
    }
    await sleep(200); // the gateway or catalog is still coming back
  }
}

/** Vendor objects made per service (creates that were not idempotent replays), from the journal. */
function vendorCreates(journal: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!fs.existsSync(journal)) return counts;
  for (const line of fs.readFileSync(journal, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as {
      op: string;
      outcome: string;
      existing?: boolean;
      service_id: string;
    };
    if (e.op === 'createService' && e.outcome === 'ok' && !e.existing)
      counts.set(e.service_id, (counts.get(e.service_id) ?? 0) + 1);
  }
  return counts;
}

export async function runRound(
  system: ChaosSystem,
  fault: Fault,
  options: { ops: number; perSecond: number },
): Promise<RoundFigures> {
  const tracked = new Map<string, Tracked>();
  const loading = load(system, tracked, options.ops, options.perSecond);
  await sleep(((options.ops / options.perSecond) * 1000) / 3);
  let faultError: string | undefined;
  await fault.run(system).catch((e: unknown) => (faultError = String(e)));
  const { sent, acknowledged } = await loading;

  // One reconcile period after things settle: nothing may still be in progress.
  const settleBy = Date.now() + CHAOS_TIMINGS.reconcileStuckAfterMs * 4 + 20_000;
  let states = new Map<string, { status: string; name?: string }>();
  for (;;) {
    states = new Map(
      await Promise.all(
        [...tracked.keys()].map(async (id) => [id, await statusOf(system, id)] as const),
      ),
    );
    const busy = [...states.values()].some((s) => s.status.endsWith('_in_progress'));
    if (!busy || Date.now() > settleBy) break;
    await sleep(500);
  }

  const creates = vendorCreates(system.journal);
  let notApplied = 0;
  let lost = 0;
  const problems: string[] = [];
  for (const [id, t] of tracked) {
    const now = states.get(id)!;
    if ((creates.get(id) ?? 0) > 1) {
      notApplied += 1;
      problems.push(`${id}: ${creates.get(id)} vendor objects made`);
    }
    if (t.deleted === 'acknowledged') {
      if (now.status !== 'gone') {
        notApplied += 1;
        problems.push(`${id}: delete acknowledged, service ${now.status}`);
      }
      continue;
    }
    if (now.status === 'gone') {
      if (t.deleted === 'no') {
        lost += 1;
        problems.push(`${id}: lost`);
      }
      continue;
    }
    if (now.name !== t.expectName && !t.names.has(now.name ?? '')) {
      notApplied += 1;
      problems.push(`${id}: name ${now.name}, expected ${t.expectName}`);
    }
    if (now.status === 'failed' || now.status.endsWith('_in_progress'))
      problems.push(`${id}: ${now.status}`);
  }
  const values = [...states.values()];

  // One sweep after the grace period: no vendor object may be left without its service.
  await sleep(CHAOS_TIMINGS.orphanSweepGraceMs + CHAOS_TIMINGS.orphanSweepIntervalMs * 2);
  let orphans = 0;
  const managed = (await system.mock.listManagedServices()).services;
  for (const object of managed) {
    const reply = await call(system, 'GET', `/v1.0/services/${object.service_id}`);
    if (reply?.status === 404) {
      orphans += 1;
      problems.push(
        `${object.service_id}: vendor object ${object.provider_service_id} without a service`,
      );
    }
  }

  return {
    fault: fault.name,
    sent,
    acknowledged,
    notApplied,
    lost,
    failed: values.filter((s) => s.status === 'failed').length,
    stuck: values.filter((s) => s.status.endsWith('_in_progress')).length,
    orphans,
    expectedToFail:
      fault.expectedToFail ?? (faultError ? `fault did not run: ${faultError}` : undefined),
    problems,
  };
}

export function formatTable(rows: RoundFigures[]): string {
  const head =
    '| fault | sent | acknowledged (202) | not applied exactly once | lost | failed | stuck in progress | vendor objects without a service |';
  const lines = rows.map(
    (r) =>
      `| ${r.fault}${r.expectedToFail ? ` (expected to fail: ${r.expectedToFail})` : ''} | ${r.sent} | ${r.acknowledged} | ${r.notApplied} | ${r.lost} | ${r.failed} | ${r.stuck} | ${r.orphans} |`,
  );
  return [head, '|---|---:|---:|---:|---:|---:|---:|---:|', ...lines].join('\n');
}
