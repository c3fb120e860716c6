import { pythonRepr } from './python-repr';

describe('pythonRepr', () => {
  it.each([
    [null, 'None'],
    [true, 'True'],
    [false, 'False'],
    [3, '3'],
    [1.5, '1.5'],
    ['ab', "'ab'"],
    ["it's", '"it\'s"'],
    [`it's "x"`, `'it\\'s "x"'`],
    ['a\\b', "'a\\\\b'"],
    ['line\nnext\ttab', "'line\\nnext\\ttab'"],
    ['\u0001', "'\\x01'"],
    ['café', "'café'"],
    [[], '[]'],
    [[80, 443], '[80, 443]'],
    [{}, '{}'],
    [
      { domain: 'www.a.com', port: 80, ssl: false, x: null },
      "{'domain': 'www.a.com', 'port': 80, 'ssl': False, 'x': None}",
    ],
  ])('renders %j as %s', (value, expected) => {
    expect(pythonRepr(value)).toBe(expected);
  });
});

describe('pythonRepr bounds', () => {
  it('cuts a long value at the budget and ends it with an ellipsis', () => {
    const text = pythonRepr('x'.repeat(1_000_000));
    expect(text).toBe(`'${'x'.repeat(511)}...`);
    expect(pythonRepr([1, 2, 3, 4], { maxChars: 6 })).toBe('[1, 2,...');
  });

  it('renders containers below the depth limit as an ellipsis instead of recursing', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(pythonRepr(deep, { maxDepth: 2 })).toBe('[[[...]]]');
    expect(() => pythonRepr(deep, { maxChars: 1_000_000 })).not.toThrow();
    expect(pythonRepr({ a: { b: {} } }, { maxDepth: 1 })).toBe("{'a': {...}}");
  });

  it('renders a huge object in time independent of its size', () => {
    const big: Record<string, number> = {};
    for (let i = 0; i < 20_000; i++) big[`k${i}`] = i;
    const started = process.hrtime.bigint();
    const text = pythonRepr(big);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(text.endsWith('...')).toBe(true);
    expect(text.length).toBe(515);
    expect(ms).toBeLessThan(500);
  });
});
