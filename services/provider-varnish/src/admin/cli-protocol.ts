/**
 * The varnishd management (CLI) protocol, the one `varnishadm` speaks on the `-T` port
 * (varnish-cli(7)), as pure functions: framing of answers, the `auth` response to the
 * challenge, and quoting of arguments.
 *
 * An answer is `SSS LLLLLLLL\n<body of L bytes>\n`: a 3-digit status, a space, the body
 * length padded to 8, a newline, the body and a final newline. On connect the server sends
 * status 107 whose body starts with a 32-character challenge line; the client answers
 * `auth <hex sha256(challenge + "\n" + secret file bytes + challenge + "\n")>`.
 */
import { createHash } from 'node:crypto';

export const CLI_STATUS = {
  SYNTAX: 100,
  UNKNOWN: 101,
  UNIMPL: 102,
  TOO_FEW: 104,
  TOO_MANY: 105,
  PARAM: 106,
  AUTH: 107,
  OK: 200,
  TRUNCATED: 201,
  CANT: 300,
  COMMS: 400,
  CLOSE: 500,
} as const;

export interface CliAnswer {
  status: number;
  body: string;
}

/**
 * Takes complete answers off the front of `buffer`; returns them and the unread rest.
 * A malformed header is an error (the peer is not varnishd).
 */
export function parseAnswers(buffer: Buffer): { answers: CliAnswer[]; rest: Buffer } {
  const answers: CliAnswer[] = [];
  let offset = 0;
  for (;;) {
    const newline = buffer.indexOf(0x0a, offset);
    if (newline < 0) break;
    const header = buffer.subarray(offset, newline).toString('latin1');
    const match = /^(\d{3}) +(\d+) *$/.exec(header);
    if (!match)
      throw new Error(`not a varnish CLI answer header: ${JSON.stringify(header.slice(0, 60))}`);
    const length = Number(match[2]);
    const bodyStart = newline + 1;
    if (buffer.length < bodyStart + length + 1) break;
    answers.push({
      status: Number(match[1]),
      body: buffer.subarray(bodyStart, bodyStart + length).toString('utf8'),
    });
    offset = bodyStart + length + 1;
  }
  return { answers, rest: buffer.subarray(offset) };
}

/** The `auth` line answering the 107 challenge; `secret` is the secret file's exact bytes. */
export function authCommand(challengeBody: string, secret: Buffer): string {
  const challenge = challengeBody.split('\n', 1)[0];
  if (!/^[a-z]{32}$/.test(challenge))
    throw new Error(`unexpected varnish CLI challenge ${JSON.stringify(challenge)}`);
  const digest = createHash('sha256')
    .update(`${challenge}\n`)
    .update(secret)
    .update(`${challenge}\n`)
    .digest('hex');
  return `auth ${digest}`;
}

/** A CLI argument as a double-quoted string (backslash escapes), safe for any text. */
export function cliQuote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/** One command line from a verb and its arguments (each quoted unless a plain word: no space, quote or backslash). */
export function cliCommand(verb: string, ...args: string[]): string {
  return [verb, ...args.map((a) => (/^[^\s"\\{}]+$/.test(a) ? a : cliQuote(a)))].join(' ');
}
