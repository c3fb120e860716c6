/**
 * Renders JSON values the way Python's repr() shows the parsed value, because Poppy's
 * messages embed instances that way (`'ab' is too short`, `3 is not one of [80, 443]`,
 * `Domains and origins cannot be same: {'origin': ...}`). Clients that match on these
 * texts see the same characters as from the original.
 *
 * The rendering is bounded (docs/api-hardening.md): past `maxChars` characters the text is
 * cut and ends with `...`, and containers nested deeper than `maxDepth` render as `...`,
 * so a rejected value of any size or depth costs little to echo and never overflows the
 * stack. Work stops as soon as the budget is spent, whatever the size of the value.
 */
export const ELLIPSIS = '...';

export interface ReprLimits {
  /** Longest rendering before the ellipsis. @default 512 */
  maxChars?: number;
  /** Deepest container rendered; deeper ones show as `...`. @default 16 */
  maxDepth?: number;
}

export const DEFAULT_REPR_MAX_CHARS = 512;
const DEFAULT_REPR_MAX_DEPTH = 16;

export function pythonRepr(value: unknown, limits: ReprLimits = {}): string {
  const maxChars = limits.maxChars ?? DEFAULT_REPR_MAX_CHARS;
  const out = new BoundedText(maxChars);
  write(value, out, limits.maxDepth ?? DEFAULT_REPR_MAX_DEPTH);
  return out.toString();
}

/** Cuts `text` to `maxChars` characters, ending with the ellipsis when it was longer. */
export function truncateEcho(text: string, maxChars = DEFAULT_REPR_MAX_CHARS): string {
  if (text.length <= maxChars) return text;
  return text.slice(0, maxChars) + ELLIPSIS;
}

class BoundedText {
  private parts: string[] = [];
  private length = 0;
  full = false;

  constructor(private readonly maxChars: number) {}

  push(text: string): void {
    if (this.full) return;
    if (this.length + text.length <= this.maxChars) {
      this.parts.push(text);
      this.length += text.length;
      return;
    }
    this.parts.push(text.slice(0, this.maxChars - this.length), ELLIPSIS);
    this.full = true;
  }

  toString(): string {
    return this.parts.join('');
  }
}

function write(value: unknown, out: BoundedText, depth: number): void {
  if (out.full) return;
  if (value === null || value === undefined) return out.push('None');
  if (value === true) return out.push('True');
  if (value === false) return out.push('False');
  if (typeof value === 'number') return out.push(pythonNumberRepr(value));
  if (typeof value === 'string') return writeString(value, out);
  if (typeof value !== 'object') return out.push(String(value));
  if (depth <= 0) return out.push(Array.isArray(value) ? `[${ELLIPSIS}]` : `{${ELLIPSIS}}`);
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length && !out.full; i++) {
      if (i > 0) out.push(', ');
      write(value[i], out, depth - 1);
    }
    return out.push(']');
  }
  out.push('{');
  let first = true;
  // for…in stops with the budget; Object.entries would copy every key of a huge object.
  for (const key in value as Record<string, unknown>) {
    if (out.full) break;
    if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
    if (!first) out.push(', ');
    first = false;
    writeString(key, out);
    out.push(': ');
    write((value as Record<string, unknown>)[key], out, depth - 1);
  }
  out.push('}');
}

function pythonNumberRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  return String(n);
}

/** Python picks single quotes unless the text holds a single quote and no double quote. */
function writeString(s: string, out: BoundedText): void {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  out.push(quote);
  // Escaped in chunks so a long string stops costing once the budget is spent.
  let chunk = '';
  for (const ch of s) {
    if (out.full) return;
    const code = ch.codePointAt(0) as number;
    if (ch === '\\') chunk += '\\\\';
    else if (ch === quote) chunk += `\\${quote}`;
    else if (ch === '\n') chunk += '\\n';
    else if (ch === '\r') chunk += '\\r';
    else if (ch === '\t') chunk += '\\t';
    else if (code < 0x20 || (code >= 0x7f && code <= 0xa0) || code === 0xad) {
      chunk += `\\x${code.toString(16).padStart(2, '0')}`;
    } else if (code >= 0xd800 && code <= 0xdfff) {
      chunk += `\\u${code.toString(16).padStart(4, '0')}`;
    } else chunk += ch;
    if (chunk.length >= 64) {
      out.push(chunk);
      chunk = '';
    }
  }
  out.push(chunk);
  out.push(quote);
}
