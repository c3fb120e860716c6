import path from 'node:path';

interface Citation {
  line: number;
  text: string;
}
interface Repoint {
  rewrite(
    text: string,
    targets: Targets,
  ): { text: string; rewritten: unknown[]; unmapped: Array<Citation & { missing: string[] }> };
  oldStyle(text: string): Citation[];
  readTargets(root: string): Targets;
}
interface Targets {
  sections: Set<string>;
  deviations: Set<string>;
  appendices: Set<string>;
}

// A CommonJS tool script (run with node, no build step).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const repoint = require('./repoint-references') as Repoint;

const targets: Targets = {
  sections: new Set(['2', '2.4', '4.1', '4.3', '4.9', '7.2', '7.3', '7.4', '12.5']),
  deviations: new Set(['8', '9', '11', '14']),
  appendices: new Set(['A']),
};

function rewritten(text: string): string {
  return repoint.rewrite(text, targets).text;
}

describe('repoint-references', () => {
  it.each([
    ['/** The view (reference §4.9). */', '/** The view (docs/behaviour.md §4.9). */'],
    ['// Reference §2.4: the body.', '// docs/behaviour.md §2.4: the body.'],
    ['/** §4.9 step 2: defaults. */', '/** docs/behaviour.md §4.9 step 2: defaults. */'],
    ['(§4.9 view)', '(docs/behaviour.md §4.9 view)'],
    ['(reference Appendix A)', '(docs/behaviour.md Appendix A)'],
    ['(Decision 9).', '(docs/behaviour.md D-9).'],
    ['(reference §4.1 defaults, §4.3)', '(docs/behaviour.md §4.1 defaults, §4.3)'],
    ['(reference §7.2–7.4; Decisions 11 and 14)', '(docs/behaviour.md §7.2–7.4; D-11 and D-14)'],
    ['(reference §7.2 / §7.4 messages)', '(docs/behaviour.md §7.2 / §7.4 messages)'],
    ['Purge (reference §4.9 with Decision 8)', 'Purge (docs/behaviour.md §4.9 with D-8)'],
    ['/work/shared/reference/poppy-reference.md', 'docs/behaviour.md'],
    // Only the word "reference" is replaced, never the end of another word.
    ['CallerReference §2.4', 'CallerReference docs/behaviour.md §2.4'],
  ])('rewrites %j', (from, to) => {
    expect(rewritten(from)).toBe(to);
  });

  it('follows a citation onto the next comment line', () => {
    expect(rewritten('# the mock (reference\n# §12.5). More.')).toBe(
      '# the mock (docs/behaviour.md\n# §12.5). More.',
    );
  });

  it.each(['RFC 8555 §8.3', '## Decision', 'docs/behaviour.md §4.9 and docs/behaviour.md D-9'])(
    'leaves %j alone',
    (text) => {
      expect(rewritten(text)).toBe(text);
    },
  );

  it('is idempotent', () => {
    const once = rewritten('(reference §7.2–7.4; Decisions 11 and 14) and (§4.9 view)');
    expect(rewritten(once)).toBe(once);
    expect(repoint.oldStyle(once)).toEqual([]);
  });

  it('reports and keeps a citation of a section or decision the document lacks', () => {
    const result = repoint.rewrite('(reference §6.2) and (Decision 30)', targets);
    expect(result.text).toBe('(reference §6.2) and (Decision 30)');
    expect(result.unmapped.map((u) => u.missing)).toEqual([['6.2'], ['D-30']]);
  });

  it('accepts a Markdown link to docs/behaviour.md as a citation', () => {
    expect(repoint.oldStyle('see [§6.10](../behaviour.md#610-dns) and [§6.2](x.md)')).toEqual([
      { line: 1, text: '§6.2' },
    ]);
  });

  it('finds every old-style citation for --check', () => {
    const found = repoint.oldStyle('a (reference §4.9)\nb (§2.4)\nc Decision 9\nd RFC 6125 §6.4.3');
    expect(found.map((f) => f.line)).toEqual([1, 2, 3]);
  });

  it('maps every section docs/behaviour.md numbers, and D-1 to D-18', () => {
    const real = repoint.readTargets(path.resolve(__dirname, '../..'));
    expect([...real.sections]).toEqual(expect.arrayContaining(['2.4', '4.9', '10.14', '13.4']));
    for (let n = 1; n <= 18; n++) expect(real.deviations.has(String(n))).toBe(true);
    expect(real.appendices.has('A')).toBe(true);
  });
});
