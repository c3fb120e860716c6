import { createHash } from 'node:crypto';
import { authCommand, cliCommand, cliQuote, parseAnswers } from './cli-protocol';

describe('varnish CLI protocol', () => {
  it('frames answers by their length, keeping an incomplete one for later', () => {
    const text = '200 2       \nok\n107 59      \n';
    const { answers, rest } = parseAnswers(Buffer.from(text));
    expect(answers).toEqual([{ status: 200, body: 'ok' }]);
    expect(rest.toString()).toBe('107 59      \n');
    const body = 'line one\nline two with \u00e9';
    const full = Buffer.concat([
      Buffer.from(`200 ${Buffer.byteLength(body)}\n`),
      Buffer.from(body),
      Buffer.from('\n'),
    ]);
    expect(parseAnswers(full).answers).toEqual([{ status: 200, body }]);
  });

  it('refuses a peer that does not speak the protocol', () => {
    expect(() => parseAnswers(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toThrow(
      /not a varnish CLI answer header/,
    );
  });

  it('answers the challenge with sha256(challenge \\n secret challenge \\n)', () => {
    const challenge = 'abcdefghijklmnopqrstuvwxyzabcdef';
    const secret = Buffer.from('s3cret\n');
    const expected = createHash('sha256')
      .update(`${challenge}\ns3cret\n${challenge}\n`)
      .digest('hex');
    expect(authCommand(`${challenge}\n\nAuthentication required.\n`, secret)).toBe(
      `auth ${expected}`,
    );
    expect(() => authCommand('short', secret)).toThrow(/challenge/);
  });

  it('quotes arguments so any text arrives intact', () => {
    expect(cliQuote('a "b" \\. c\nd')).toBe('"a \\"b\\" \\\\. c\\nd"');
    expect(cliCommand('vcl.use', 'poppy_1')).toBe('vcl.use poppy_1');
    expect(cliCommand('ban', 'req.url', '~', '^/a\\.png$', '&&', 'req.url', '~', '^/(x|y)$')).toBe(
      'ban req.url ~ "^/a\\\\.png$" && req.url ~ ^/(x|y)$',
    );
    expect(cliCommand('vcl.inline', 'n', 'vcl 4.1;')).toBe('vcl.inline n "vcl 4.1;"');
  });
});
