/**
 * A 3-node NATS JetStream cluster on loopback, as deploy/kustomize/infra/nats runs it in a
 * cluster: each node has its own client, route and monitor port and its own store; a node can
 * be killed (SIGKILL, store kept) and started again on the same ports and store.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  answersHttp,
  assertBinary,
  freePort,
  spawnUntilReady,
  terminate,
  type ServerProcess,
} from '../../libs/testing/src/server-process';

const INSTALL_HINT = 'run `tools/infra/nats.sh install` (Debian package nats-server)';

interface Node {
  name: string;
  port: number;
  routePort: number;
  monitorPort: number;
  dataDir: string;
  server?: ServerProcess;
}

export interface NatsCluster {
  /** Every node's client URL, comma-separated (POPPY_NATS_URL). */
  readonly urls: string;
  readonly size: number;
  /** How many nodes hold `stream` (its leader and replicas), as a running node reports it. */
  streamReplicas(stream: string): Promise<number>;
  kill(index: number): Promise<void>;
  start(index: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startNatsCluster(size = 3): Promise<NatsCluster> {
  const bin = process.env.POPPY_NATS_SERVER_BIN ?? 'nats-server';
  assertBinary({ name: 'nats-server', bin, probeArgs: ['--version'], installHint: INSTALL_HINT });
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++) {
    nodes.push({
      name: `n${i}`,
      port: await freePort(),
      routePort: await freePort(),
      monitorPort: await freePort(),
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), `poppy-rehearse-nats${i}-`)),
    });
  }
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.routePort}`).join(',');

  const start = async (index: number): Promise<void> => {
    const n = nodes[index]!;
    n.server = await spawnUntilReady({
      name: `nats-server ${n.name}`,
      bin,
      args: [
        ...['-n', n.name, '-a', '127.0.0.1', '-p', String(n.port), '-m', String(n.monitorPort)],
        ...['-js', '-sd', n.dataDir, '--cluster_name', 'poppy-jobs'],
        ...['--cluster', `nats://127.0.0.1:${n.routePort}`, '--routes', routes],
      ],
      installHint: INSTALL_HINT,
      readyTimeoutMs: 30_000,
      where: `on 127.0.0.1:${n.port}`,
      // Ready once it serves clients (JetStream is ready once a meta leader is elected,
      // which needs a quorum of the nodes: waitForJetStream below).
      isReady: () => answersHttp(`http://127.0.0.1:${n.monitorPort}/healthz?js-enabled-only=true`),
      pollMs: 100,
    });
  };

  await Promise.all(nodes.map((_, i) => start(i)));
  await waitForJetStream(nodes);
  return {
    urls: nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(','),
    size,
    streamReplicas: async (stream) => {
      const node = nodes.find((n) => n.server)!;
      const res = await fetch(`http://127.0.0.1:${node.monitorPort}/jsz?streams=true`);
      const body = (await res.json()) as {
        account_details?: Array<{
          stream_detail?: Array<{ name: string; cluster?: { replicas?: unknown[] } }>;
        }>;
      };
      const info = (body.account_details ?? [])
        .flatMap((a) => a.stream_detail ?? [])
        .find((d) => d.name === stream);
      if (!info) throw new Error(`NATS cluster: no stream ${stream}`);
      return 1 + (info.cluster?.replicas?.length ?? 0);
    },
    kill: async (index) => {
      const server = nodes[index]!.server;
      nodes[index]!.server = undefined;
      if (server) await terminate(server.child, 'SIGKILL');
    },
    start: async (index) => {
      await start(index);
      await waitForJetStream(nodes.filter((n) => n.server));
    },
    stop: async () => {
      for (const n of nodes) {
        if (n.server) await terminate(n.server.child, 'SIGTERM', 5_000);
        fs.rmSync(n.dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Until every running node says JetStream is healthy (a meta leader, streams current). */
async function waitForJetStream(nodes: Node[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const healthy = await Promise.all(
      nodes.map((n) => answersHttp(`http://127.0.0.1:${n.monitorPort}/healthz`)),
    );
    if (healthy.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error('NATS cluster: JetStream not healthy after 30 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}
