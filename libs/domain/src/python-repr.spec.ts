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
