/**
 * Every marble diagram has one source: the header comment of its marble spec, where the spec's cases test
 * it. There each diagram is a named region,
 *
 *   * #region diagram: collectResponse/error
 *   * source:   --a--b--#
 *   * …
 *   * #endregion
 *
 * and every copy (a src doc comment, docs/*.md, README.md) is generated from it between markers:
 *
 *   markdown: a line `<!-- diagram: collectResponse/complete, collectResponse/error -->`, then the fenced
 *             block, then a line `<!-- /diagram -->`;
 *   src:      the line ` * <!-- diagram: collectResponse/complete, collectResponse/error -->` right after a
 *             doc comment's opening fence; the copy runs to the closing fence.
 *
 * Several names make one block, the diagrams separated by a blank line.
 *
 *   tsx scripts/diagrams.ts           checks: exits 1 listing every copy that differs from its source or
 *                                     names a diagram no spec has (test/diagrams.test.ts runs the same check)
 *   tsx scripts/diagrams.ts --write   rewrites every copy from its source (npm run diagrams)
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Text files by path relative to the repository root, always with '/'. */
export type SourceFiles = ReadonlyMap<string, string>;

/** A diagram as its spec draws it. */
export interface Diagram {
  readonly name: string;
  /** The spec, relative to the repository root. */
  readonly file: string;
  /** The line of its `#region`, from 1. */
  readonly line: number;
  /** Its lines, without the comment's ` * ` and the region's common indentation. */
  readonly lines: readonly string[];
}

/**
 * Something wrong at `file:line`: a copy that `differs` from its source (which `--write` fixes), a copy that
 * names an `unknown` diagram, or a `malformed` marker or region.
 */
export interface DiagramProblem {
  readonly kind: 'differs' | 'unknown' | 'malformed';
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** The copies rewritten from their sources, and what could not be checked or rewritten. */
export interface DiagramReport {
  readonly diagrams: ReadonlyMap<string, Diagram>;
  /** Every file that holds a copy, with its copies rewritten from their sources. */
  readonly rewritten: ReadonlyMap<string, string>;
  /** How many copies were found. */
  readonly copies: number;
  /** Copies that differ from their source, unknown names, malformed markers and regions. */
  readonly problems: readonly DiagramProblem[];
}

const SPEC_FILE = /^marbles\/([A-Za-z][\w-]*)\.marbles\.spec\.ts$/;
/** A line of a spec's comment: ` * text` in a block comment, `// text` in line comments. */
const COMMENT_LINE = /^\s*(?:\*(?!\/)|\/\/) ?(.*)$/;
const REGION_START = /^#region diagram:\s*(\S*)\s*$/;
const REGION_END = /^#endregion\b/;
const NAME = /^[A-Za-z][\w-]*\/[A-Za-z][\w-]*$/;
const MARKDOWN_START = /^<!-- diagram:(.*)-->$/;
const MARKDOWN_END = '<!-- /diagram -->';
/** The marker line in a src doc comment: its ` *` prefix, then the names. */
const SOURCE_START = /^(\s*\*) <!-- diagram:(.*)-->\s*$/;
const FENCE = '```';

/** Reads the specs and every file that may hold a copy: src/**\/*.ts, docs/*.md, README.md. */
export function readSourceFiles(root: string): SourceFiles {
  const files = new Map<string, string>();
  const add = (path: string): void => {
    files.set(path, readFileSync(join(root, path), 'utf8'));
  };
  for (const name of readdirSync(join(root, 'marbles'))) if (SPEC_FILE.test(`marbles/${name}`)) add(`marbles/${name}`);
  for (const name of readdirSync(join(root, 'docs'))) if (name.endsWith('.md')) add(`docs/${name}`);
  add('README.md');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) add(path);
    }
  };
  walk('src');
  return files;
}

/** Every diagram region in the specs, by name. */
export function readDiagrams(files: SourceFiles): { diagrams: Map<string, Diagram>; problems: DiagramProblem[] } {
  const diagrams = new Map<string, Diagram>();
  const problems: DiagramProblem[] = [];
  for (const [file, text] of files) {
    const spec = SPEC_FILE.exec(file)?.[1];
    if (spec === undefined) continue;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const name = REGION_START.exec(commentText(lines[i]) ?? '')?.[1];
      if (name === undefined) continue;
      const at = { kind: 'malformed', file, line: i + 1 } as const;
      const body: string[] = [];
      let end = i + 1;
      for (; end < lines.length; end++) {
        const content = commentText(lines[end]);
        if (content === undefined || REGION_END.test(content.trim()) || REGION_START.test(content.trim())) break;
        body.push(content);
      }
      const closing = commentText(lines[end]);
      if (closing === undefined || !REGION_END.test(closing.trim())) {
        problems.push({ ...at, message: `#region diagram: ${name} has no #endregion before ${closing === undefined ? 'the comment ends' : 'the next #region'}` });
        continue;
      }
      i = end;
      if (!NAME.test(name) || name.split('/')[0] !== spec) {
        problems.push({ ...at, message: `diagram name "${name}" must be "${spec}/<case>": the spec's name, a slash, a word` });
        continue;
      }
      const previous = diagrams.get(name);
      if (previous !== undefined) {
        problems.push({ ...at, message: `diagram ${name} is defined twice (also at ${previous.file}:${previous.line})` });
        continue;
      }
      const dedented = dedent(body);
      if (dedented.length === 0) {
        problems.push({ ...at, message: `diagram ${name} is empty` });
        continue;
      }
      diagrams.set(name, { name, file, line: at.line, lines: dedented });
    }
  }
  return { diagrams, problems };
}

/** Finds every copy, compares it with its source and rewrites it: the one pass behind both the check and `--write`. */
export function renderDiagrams(files: SourceFiles): DiagramReport {
  const { diagrams, problems } = readDiagrams(files);
  const rewritten = new Map<string, string>();
  let copies = 0;
  for (const [file, text] of files) {
    if (SPEC_FILE.test(file)) continue;
    const markdown = file.endsWith('.md');
    if (!markdown && !file.endsWith('.ts')) continue;
    const lines = text.split('\n');
    const out: string[] = [];
    let found = false;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      const marker = markdown ? markdownMarker(line) : sourceMarker(line);
      out.push(line);
      if (marker === undefined) continue;
      found = true;
      copies++;
      const at = { kind: 'malformed', file, line: i + 1 } as const;
      const end = findEnd(lines, i + 1, markdown ? MARKDOWN_END : `${marker.prefix} ${FENCE}`, markdown);
      if (!markdown && lines[i - 1]?.trimEnd() !== `${marker.prefix} ${FENCE}`) {
        problems.push({ ...at, message: `a diagram marker in a doc comment must follow the code fence that opens the block (\`${marker.prefix.trim()} ${FENCE}\`)` });
      }
      if (end === undefined) {
        const closer = markdown ? `a ${MARKDOWN_END} line` : 'the closing code fence';
        problems.push({ ...at, message: `the copy of ${marker.names.join(', ')} has no end: ${closer} is missing` });
        continue;
      }
      const current = lines.slice(i + 1, end);
      const unknown = marker.names.filter((name) => !diagrams.has(name));
      if (marker.names.length === 0 || unknown.length > 0) {
        const names = unknown.length > 0 ? unknown.map((n) => `"${n}"`).join(', ') : 'no diagram';
        problems.push({ ...at, kind: 'unknown', message: `names ${names}, which no marble spec has (${knownNames(diagrams, unknown)})` });
        out.push(...current);
        i = end - 1;
        continue;
      }
      const sources = marker.names.map((name) => diagrams.get(name) as Diagram);
      const body = sources.flatMap((d, n) => (n === 0 ? d.lines : ['', ...d.lines]));
      const expected = markdown ? [FENCE, ...body, FENCE] : body.map((l) => (l === '' ? marker.prefix : `${marker.prefix} ${l}`));
      const difference = firstDifference(current, expected);
      if (difference !== undefined) {
        const from = sources.map((d) => `${d.file}:${d.line}`).join(', ');
        problems.push({
          kind: 'differs',
          file,
          line: i + 2 + difference,
          message:
            `the copy of ${marker.names.join(', ')} differs from ${from}:\n` +
            `    here:     ${quoted(current[difference])}\n` +
            `    expected: ${quoted(expected[difference])}`,
        });
      }
      out.push(...expected);
      i = end - 1;
    }
    if (found) rewritten.set(file, out.join('\n'));
  }
  return { diagrams, rewritten, copies, problems };
}

/** Every copy that differs from its source, names a diagram no spec has, or cannot be read. */
export function checkDiagrams(files: SourceFiles): readonly DiagramProblem[] {
  return renderDiagrams(files).problems;
}

/** `file:line: message` lines, for a terminal or a test failure. */
export function formatProblems(problems: readonly DiagramProblem[]): string {
  return problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n');
}

/** The diagrams of the specs the unknown names point at, or every spec's when they point at none. */
function knownNames(diagrams: ReadonlyMap<string, Diagram>, unknown: readonly string[]): string {
  const all = [...diagrams.keys()].sort();
  const specs = new Set(unknown.map((name) => name.split('/')[0]));
  const near = all.filter((name) => specs.has(name.split('/')[0]));
  if (near.length > 0) return `that spec has ${near.join(', ')}`;
  return `the specs with diagrams: ${[...new Set(all.map((name) => name.split('/')[0]))].join(', ')}`;
}

/** The comment text of a spec line, or undefined when the line is not inside a comment. */
function commentText(line: string | undefined): string | undefined {
  if (line === undefined || /^\s*\*\//.test(line)) return undefined;
  return COMMENT_LINE.exec(line)?.[1];
}

function dedent(lines: readonly string[]): string[] {
  const trimmed = lines.map((l) => l.trimEnd());
  while (trimmed[0] === '') trimmed.shift();
  while (trimmed[trimmed.length - 1] === '') trimmed.pop();
  const indent = Math.min(...trimmed.filter((l) => l !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return trimmed.map((l) => l.slice(indent));
}

function parseNames(list: string): string[] {
  return list
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
}

function markdownMarker(line: string): { prefix: string; names: string[] } | undefined {
  const list = MARKDOWN_START.exec(line.trim())?.[1];
  return list === undefined ? undefined : { prefix: '', names: parseNames(list) };
}

function sourceMarker(line: string): { prefix: string; names: string[] } | undefined {
  const match = SOURCE_START.exec(line);
  return match === null ? undefined : { prefix: match[1] as string, names: parseNames(match[2] as string) };
}

/**
 * The index of the line that ends the copy starting at `from`: the `<!-- /diagram -->` line in markdown
 * (after the block's closing fence), the closing fence in a doc comment. Undefined when another marker, or
 * the end of the doc comment, comes first.
 */
function findEnd(lines: readonly string[], from: number, closer: string, markdown: boolean): number | undefined {
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] as string;
    if (markdown ? line.trim() === closer : line.trimEnd() === closer) return i;
    if (markdown ? markdownMarker(line) !== undefined : sourceMarker(line) !== undefined || line.includes('*/')) return undefined;
  }
  return undefined;
}

function quoted(line: string | undefined): string {
  return line === undefined ? '(no line)' : JSON.stringify(line);
}

function firstDifference(a: readonly string[], b: readonly string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

function main(argv: readonly string[]): number {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const files = readSourceFiles(root);
  const report = renderDiagrams(files);
  const write = argv.includes('--write');
  if (write) {
    const changed = [...report.rewritten].filter(([file, text]) => files.get(file) !== text);
    for (const [file, text] of changed) writeFileSync(join(root, file), text);
    const stillWrong = report.problems.filter((p) => p.kind !== 'differs');
    console.log(`diagrams: ${report.copies} copies of ${report.diagrams.size} diagrams; rewrote ${changed.length} file(s)${changed.map(([f]) => `\n  ${f}`).join('')}`);
    if (stillWrong.length > 0) {
      console.error(formatProblems(stillWrong));
      return 1;
    }
    return 0;
  }
  if (report.problems.length > 0) {
    console.error(formatProblems(report.problems));
    console.error(`\ndiagrams: ${report.problems.length} problem(s). The marble spec owns each diagram: edit it there, then run \`npm run diagrams\`.`);
    return 1;
  }
  console.log(`diagrams: ${report.copies} copies of ${report.diagrams.size} diagrams match their specs`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
