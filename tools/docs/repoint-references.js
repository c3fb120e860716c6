#!/usr/bin/env node
// Points code comments at docs/behaviour.md, the repo's own behaviour spec:
//   "reference §4.9", "(§4.9)", "§4.9 step 2"  →  "docs/behaviour.md §4.9"
//   "reference Appendix A"                     →  "docs/behaviour.md Appendix A"
//   "Decision 9", "Decisions 11 and 14"        →  "docs/behaviour.md D-9", "docs/behaviour.md D-11 and D-14"
//   the path of the external reference file    →  "docs/behaviour.md"
// Section numbers are the same in both documents (docs/behaviour.md keeps them), so the
// rewrite is mechanical. A citation of a section or decision docs/behaviour.md does not
// have is left alone and reported. "RFC 8555 §8.3" and the like are not ours and stay.
//
//   node tools/docs/repoint-references.js            rewrite the files in place (idempotent)
//   node tools/docs/repoint-references.js --check    change nothing; exit 1 if an old-style
//                                                    citation remains (Markdown included)
//   node tools/docs/repoint-references.js --root DIR work on another checkout (a copy)
//
// Rewritten: *.ts *.js *.proto *.sh *.yaml *.yml under gateway libs services tools proto
// deploy (not node_modules, dist, libs/contracts/src/gen). Markdown (README.md,
// CONTRIBUTING.md, docs/, and *.md under those folders) is only checked: a Markdown
// citation should be a link, which a person writes.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CODE_ROOTS = ['gateway', 'libs', 'services', 'tools', 'proto', 'deploy'];
const CODE_EXTENSIONS = ['.ts', '.js', '.proto', '.sh', '.yaml', '.yml'];
const SKIP_DIRS = new Set(['node_modules', 'dist', '.cache', '.data', '.nx']);
// The vendor adapters and their fakes cite the vendors' documented APIs by section ("§15"),
// not this behaviour: their READMEs say which vendor document; the rewrite leaves them alone.
const SKIP_PATHS = new Set([
  'libs/contracts/src/gen',
  'services/provider-fastly',
  'services/provider-akamai',
  'services/provider-cloudflare',
  'tools/fakes',
]);
const TARGET = 'docs/behaviour.md';
// This script and its test quote old-style citations on purpose.
const SELF = new Set(['tools/docs/repoint-references.js', 'tools/docs/repoint-references.spec.ts']);

const SEC = String.raw`\d+(?:\.\d+)*`;
const ONE = String.raw`§${SEC}(?:[–-]${SEC})?`;
// A section list: "§7.2–7.4, §10.7–10.8", "§7.2 / §7.4", "§6.2 and §6.10".
const RUN = String.raw`${ONE}(?:(?:,[ \t]*|[ \t]*\/[ \t]*|[ \t]+and[ \t]+)${ONE})*`;
// Between a word and what it introduces: spaces, or a line break and a comment leader.
const GAP = String.raw`(?:[ \t]*\r?\n[ \t]*(?:#|\/\/|\*|--)?[ \t]*|[ \t]+)`;

// Groups: 1 external prefix (RFC n), 2 "reference" word, 3 its gap, 4 already ours, 5 the run.
const SECTION_RE = new RegExp(
  String.raw`(RFC[ \t]*\d+[ \t]*)?(?:\b([Rr]eference)(${GAP}))?(docs\/behaviour\.md${GAP})?(${RUN})`,
  'g',
);
const APPENDIX_RE = new RegExp(String.raw`\b([Rr]eference)(${GAP})(?=Appendix [A-Z]\b)`, 'g');
// "Decision 9", "Decisions 11 and 14", "Decisions 1, 17"; an ADR's "## Decision" has no number.
const DECISION_RE = /\bDecisions?[ \t]+(\d+)((?:(?:,[ \t]*|[ \t]+and[ \t]+)\d+)*)/g;
const REFERENCE_FILE_RE = /(?:\/work\/shared\/|\bshared\/)?reference\/poppy-reference\.md/g;
// A second citation in the same list needs no second prefix: "(docs/behaviour.md §4.11, D-8)",
// "docs/behaviour.md §4.2/§4.5", "(docs/behaviour.md §6.5 with D-9)". Same line, no parenthesis between.
const CONTINUES_RE = new RegExp(
  String.raw`(?:docs\/behaviour\.md|\b[Rr]eference)[ \t]+(?:§|D-|Decisions?[ \t])[^()\n]{0,40}?(?:,|;|\/|[ \t]and|[ \t]with)[ \t]*$`,
);
const continues = (before) => CONTINUES_RE.test(before.slice(-120));
// Mentions of "the reference" without a section: reported for a person to reword.
const LOOSE_RE = /\b[Rr]eference(?:'s)?\b(?![ \t]*(?:§|Appendix))/g;

/** Section numbers ("4.9", "2") and deviation numbers ("9") that docs/behaviour.md has. */
function readTargets(root) {
  const text = fs.readFileSync(path.join(root, TARGET), 'utf8');
  const sections = new Set();
  const deviations = new Set();
  const appendices = new Set();
  for (const line of text.split('\n')) {
    let m = /^#{2,4} (\d+(?:\.\d+)*)[. ]/.exec(line);
    if (m) sections.add(m[1]);
    m = /^#{2,4} D-(\d+)\b/.exec(line);
    if (m) deviations.add(m[1]);
    m = /^#{2,4} Appendix ([A-Z])\b/.exec(line);
    if (m) appendices.add(m[1]);
  }
  return { sections, deviations, appendices };
}

function sectionsOf(run) {
  return [...run.matchAll(new RegExp(String.raw`(${SEC})(?:[–-](${SEC}))?`, 'g'))].flatMap((m) => {
    if (m[2] === undefined) return [m[1]];
    // "7.2–7.4": the end keeps the start's chapter when it is written short ("4.1–3" is rare; "7.2–7.4" usual).
    const end = m[2].includes('.') || !m[1].includes('.') ? m[2] : `${m[1].split('.')[0]}.${m[2]}`;
    return [m[1], end];
  });
}

function lineOf(text, index) {
  return text.slice(0, index).split('\n').length;
}

/**
 * Rewrites one file's text. Returns the new text, the citations rewritten, those left alone
 * because docs/behaviour.md lacks the target, and the old-style ones still present.
 */
function rewrite(text, targets) {
  const rewritten = [];
  const unmapped = [];
  let out = text.replace(REFERENCE_FILE_RE, (match, offset) => {
    rewritten.push({ line: lineOf(text, offset), from: match, to: TARGET });
    return TARGET;
  });

  out = out.replace(SECTION_RE, (match, external, word, gap, ours, run, offset) => {
    if (external !== undefined || ours !== undefined) return match;
    if (word === undefined && continues(out.slice(0, offset))) return match;
    const missing = sectionsOf(run).filter((s) => !targets.sections.has(s));
    if (missing.length > 0) {
      unmapped.push({ line: lineOf(out, offset), text: match.trim(), missing });
      return match;
    }
    const to = word !== undefined ? `${TARGET}${gap}${run}` : `${TARGET} ${run}`;
    rewritten.push({ line: lineOf(out, offset), from: match, to });
    return to;
  });

  out = out.replace(APPENDIX_RE, (match, _word, gap, offset) => {
    const letter = out.slice(offset + match.length).match(/^Appendix ([A-Z])/)[1];
    if (!targets.appendices.has(letter)) {
      unmapped.push({ line: lineOf(out, offset), text: `${match}Appendix ${letter}`, missing: [] });
      return match;
    }
    rewritten.push({ line: lineOf(out, offset), from: match, to: `${TARGET}${gap}` });
    return `${TARGET}${gap}`;
  });

  out = out.replace(DECISION_RE, (match, first, rest, offset) => {
    const numbers = [first, ...[...rest.matchAll(/\d+/g)].map((m) => m[0])];
    const missing = numbers.filter((n) => !targets.deviations.has(n));
    if (missing.length > 0) {
      unmapped.push({
        line: lineOf(out, offset),
        text: match,
        missing: missing.map((n) => `D-${n}`),
      });
      return match;
    }
    const joiners = [...rest.matchAll(/(,[ \t]*|[ \t]+and[ \t]+)\d+/g)].map((m) => m[1]);
    let to = continues(out.slice(0, offset)) ? `D-${first}` : `${TARGET} D-${first}`;
    numbers.slice(1).forEach((n, i) => (to += `${joiners[i]}D-${n}`));
    rewritten.push({ line: lineOf(out, offset), from: match, to });
    return to;
  });

  return { text: out, rewritten, unmapped, remaining: oldStyle(out) };
}

/** Old-style citations in a text: what --check fails on. */
function oldStyle(text) {
  const found = [];
  for (const m of text.matchAll(SECTION_RE)) {
    const bareContinuation = m[2] === undefined && continues(text.slice(0, m.index));
    // Markdown: "[§6.10](../behaviour.md#610-…)" is a link to the right place.
    const end = m.index + m[0].length;
    const markdownLink = /^\]\([^)\s]*behaviour\.md/.test(text.slice(end, end + 100));
    if (m[1] === undefined && m[4] === undefined && !bareContinuation && !markdownLink)
      found.push({ line: lineOf(text, m.index), text: m[0].trim() });
  }
  for (const re of [APPENDIX_RE, DECISION_RE, REFERENCE_FILE_RE]) {
    for (const m of text.matchAll(re)) found.push({ line: lineOf(text, m.index), text: m[0] });
  }
  return found.sort((a, b) => a.line - b.line);
}

function looseMentions(text) {
  return [...text.matchAll(LOOSE_RE)].map((m) => {
    const line = text.split('\n')[lineOf(text, m.index) - 1];
    return { line: lineOf(text, m.index), text: line.trim() };
  });
}

function walk(root, dir, accept, out) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return out;
  for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !SKIP_PATHS.has(rel)) walk(root, rel, accept, out);
    } else if (accept(rel)) out.push(rel);
  }
  return out;
}

function filesOf(root) {
  const code = CODE_ROOTS.flatMap((d) =>
    walk(root, d, (f) => CODE_EXTENSIONS.includes(path.extname(f)) && !SELF.has(f), []),
  );
  const markdown = [
    ...['README.md', 'CONTRIBUTING.md'].filter((f) => fs.existsSync(path.join(root, f))),
    ...['docs', ...CODE_ROOTS].flatMap((d) =>
      walk(root, d, (f) => f.endsWith('.md') && f !== TARGET, []),
    ),
  ];
  return { code: code.sort(), markdown: markdown.sort() };
}

/** Longer lines may need re-wrapping (a describe() title, say): the repo's prettier does it. */
function formatWithPrettier(root, files) {
  const formattable = files.filter((f) => /\.(ts|js)$/.test(f));
  if (formattable.length === 0) return;
  const prettier = require.resolve('prettier/bin/prettier.cjs', { paths: [root, __dirname] });
  execFileSync(process.execPath, [prettier, '--write', '--log-level', 'warn', ...formattable], {
    cwd: root,
    stdio: 'inherit',
  });
}

function main(argv) {
  const check = argv.includes('--check');
  const rootAt = argv.indexOf('--root');
  const root = path.resolve(rootAt >= 0 ? argv[rootAt + 1] : path.join(__dirname, '../..'));
  const targets = readTargets(root);
  const { code, markdown } = filesOf(root);

  let rewrittenCount = 0;
  const changed = [];
  const remaining = [];
  const unmapped = [];
  const loose = [];
  for (const file of code) {
    const abs = path.join(root, file);
    const text = fs.readFileSync(abs, 'utf8');
    const result = rewrite(text, targets);
    rewrittenCount += result.rewritten.length;
    for (const u of result.unmapped) unmapped.push({ file, ...u });
    for (const l of looseMentions(result.text)) loose.push({ file, ...l });
    if (check) {
      for (const r of oldStyle(text)) remaining.push({ file, ...r });
    } else if (result.text !== text) {
      fs.writeFileSync(abs, result.text);
      changed.push(file);
    }
  }
  if (!check && changed.length > 0) formatWithPrettier(root, changed);
  for (const file of markdown) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const r of oldStyle(text)) remaining.push({ file, ...r });
  }

  for (const u of unmapped) {
    const why = u.missing.length ? ` (docs/behaviour.md has no ${u.missing.join(', ')})` : '';
    console.log(`unmapped  ${u.file}:${u.line}  ${u.text}${why}`);
  }
  for (const l of loose) console.log(`reword    ${l.file}:${l.line}  ${l.text}`);
  if (check) {
    for (const r of remaining) console.log(`old-style ${r.file}:${r.line}  ${r.text}`);
    console.log(
      `${remaining.length} old-style citation(s) in ${code.length + markdown.length} files` +
        (remaining.length ? `; run node tools/docs/repoint-references.js` : ''),
    );
    return remaining.length === 0 ? 0 : 1;
  }
  console.log(
    `${rewrittenCount} citation(s) rewritten in ${changed.length} file(s); ` +
      `${unmapped.length} left alone (unmapped); ${loose.length} loose mention(s) to reword`,
  );
  return 0;
}

module.exports = { rewrite, oldStyle, readTargets, filesOf };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
