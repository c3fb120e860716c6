import pino from 'pino';
import { Writable } from 'node:stream';
import { describeRepeats, limitRepeatedLogs, RepeatLimiter } from './repeat-limiter';

describe('RepeatLimiter', () => {
  it('admits the first occurrence of a key per window and counts the rest for one summary', () => {
    let now = 0;
    const limiter = new RepeatLimiter(1000, () => now);
    const admitted = Array.from({ length: 5 }, () => limiter.admit('publish failed'));
    expect(admitted).toEqual([true, false, false, false, false]);
    expect(limiter.due()).toEqual([]);
    now = 1000;
    expect(limiter.due()).toEqual([{ key: 'publish failed', suppressed: 4, windowMs: 1000 }]);
    // Each summary is given once, and the next occurrence opens a new window.
    expect(limiter.due()).toEqual([]);
    expect(limiter.admit('publish failed')).toBe(true);
  });

  it('keeps keys apart', () => {
    const limiter = new RepeatLimiter(1000, () => 0);
    expect(limiter.admit('a')).toBe(true);
    expect(limiter.admit('b')).toBe(true);
    expect(limiter.admit('a')).toBe(false);
  });

  it('keeps the summary of a window that ended when an occurrence opens the next one', () => {
    let now = 0;
    const limiter = new RepeatLimiter(1000, () => now);
    limiter.admit('k');
    limiter.admit('k');
    now = 1500;
    expect(limiter.admit('k')).toBe(true);
    expect(limiter.due()).toEqual([{ key: 'k', suppressed: 1, windowMs: 1000 }]);
  });

  it('gives nothing to summarise when a line occurred once', () => {
    let now = 0;
    const limiter = new RepeatLimiter(1000, () => now);
    limiter.admit('once');
    now = 2000;
    expect(limiter.due()).toEqual([]);
    expect(limiter.size).toBe(0);
  });

  it('describes a summary as "N more in the last T s"', () => {
    expect(
      describeRepeats('publish failed; retrying', { key: 'x', suppressed: 1076, windowMs: 60_000 }),
    ).toBe('publish failed; retrying (1076 more in the last 60 s)');
  });
});

describe('limitRepeatedLogs', () => {
  function capture(): { lines: Array<Record<string, unknown>>; logger: pino.Logger } {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, logger: pino({ level: 'debug' }, stream) };
  }

  it('logs a repeated warning once, then one summary when the window ends; other levels pass', async () => {
    const { lines, logger } = capture();
    const limited = limitRepeatedLogs(logger, 50);
    for (let i = 0; i < 100; i++) limited.warn({ jobId: `j${i}` }, 'publish failed; retrying');
    limited.info('connected');
    limited.info('connected');
    await new Promise((r) => setTimeout(r, 120));
    const msgs = lines.map((l) => l.msg);
    expect(msgs.filter((m) => m === 'publish failed; retrying')).toHaveLength(1);
    expect(msgs.filter((m) => m === 'connected')).toHaveLength(2);
    expect(lines.find((l) => l.repeated !== undefined)).toMatchObject({
      repeated: 99,
      msg: 'publish failed; retrying (99 more in the last 0 s)',
      level: 40,
    });
  });
});
