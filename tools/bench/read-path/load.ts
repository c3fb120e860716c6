/** The read-path load generator (autocannon, a short warm-up first), shared by the benchmarks. */
import autocannon from 'autocannon';

export interface Figures {
  scenario: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function load(
  scenario: string,
  url: string,
  headers: Record<string, string> = {},
  { connections, duration }: { connections: number; duration: number },
): Promise<Figures> {
  // A short warm-up so the JIT and connection pools settle before measuring.
  await autocannon({ url, connections, duration: 2, headers });
  const r = await autocannon({ url, connections, duration, headers });
  return {
    scenario,
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}
