/** Each marble diagram has one source, its marble spec; every copy in src, docs and the README is generated from it. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDiagrams, formatProblems, readSourceFiles, renderDiagrams, type SourceFiles } from '../scripts/diagrams.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const files = readSourceFiles(root);
/** The files with every copy regenerated: what the check is tested on, so those tests do not depend on today's drift. */
const clean: SourceFiles = new Map([...files, ...renderDiagrams(files).rewritten]);

/** `clean` with `from` replaced by `to` in `path` (which must hold it). */
function altered(path: string, from: string, to: string): Map<string, string> {
  const text = clean.get(path);
  if (text === undefined || !text.includes(from)) throw new Error(`test setup: ${path} no longer contains ${JSON.stringify(from)}`);
  return new Map(clean).set(path, text.replace(from, to));
}

function lineOf(text: string, fragment: string): number {
  return text.slice(0, text.indexOf(fragment)).split('\n').length;
}

describe('marble diagrams', () => {
  it('every copy matches the diagram its marble spec owns', () => {
    const problems = checkDiagrams(files);
    expect(formatProblems(problems), 'a diagram copy drifted: edit the diagram in its marble spec, then run `npm run diagrams`').toBe('');
    expect(renderDiagrams(files).copies).toBeGreaterThan(20);
  });

  it("shows a diagram from its spec in each operator's and source's doc comment (STYLE.md)", () => {
    const owners: Readonly<Record<string, string>> = {
      bufferChunks: 'src/operators/bufferChunks.ts',
      collectResponse: 'src/operators/collectResponse.ts',
      interruptAfter: 'src/operators/interruptAfter.ts',
      retryStream: 'src/operators/retryStream.ts',
      scanResponse: 'src/operators/scanResponse.ts',
      streamMetrics: 'src/operators/streamMetrics.ts',
      streamingManager: 'src/operators/streamingManager.ts',
      timeoutStream: 'src/operators/timeoutStream.ts',
      mockStream: 'src/providers/mock.ts',
      marbleProvider: 'src/testing/marbleProvider.ts',
      agent: 'src/agent/agent.ts',
    };
    const missing = Object.entries(owners).filter(([spec, file]) => {
      const text = files.get(file) ?? '';
      return !new RegExp(String.raw`^ \* <!-- diagram:.*\b${spec}/`, 'm').test(text);
    });
    expect(missing.map(([spec, file]) => `${file} shows no ${spec}/… diagram`)).toEqual([]);
  });

  describe('the check (what `npm test` fails on)', () => {
    it('reports a src copy that differs, at its line, and --write restores it', () => {
      const file = 'src/operators/collectResponse.ts';
      const from = ' * result:   --------------(r|)';
      const changed = altered(file, from, ' * result:   -------------(r|)');
      const problems = checkDiagrams(changed);

      expect(problems).toEqual([
        expect.objectContaining({ kind: 'differs', file, line: lineOf(clean.get(file) as string, from) }),
      ]);
      expect(problems[0]?.message).toMatch(/collectResponse\/complete.*differs from marbles\/collectResponse\.marbles\.spec\.ts:\d+/);
      expect(renderDiagrams(changed).rewritten.get(file)).toBe(clean.get(file));
    });

    it('reports a markdown copy that differs, a missing line included', () => {
      const file = 'README.md';
      const changed = altered(file, "upstream:  ^ 40ms !                       unsubscribed at the deadline, before the error\n", '');
      expect(checkDiagrams(changed)).toEqual([expect.objectContaining({ kind: 'differs', file })]);
      expect(renderDiagrams(changed).rewritten.get(file)).toBe(clean.get(file));
    });

    it('reports a copy naming a diagram no spec has', () => {
      const changed = altered('docs/operators-timeout-retry.md', '<!-- diagram: timeoutStream/idle -->', '<!-- diagram: timeoutStream/idel -->');
      const problems = checkDiagrams(changed);
      expect(problems).toEqual([expect.objectContaining({ kind: 'unknown', file: 'docs/operators-timeout-retry.md' })]);
      expect(problems[0]?.message).toMatch(/"timeoutStream\/idel", which no marble spec has \(that spec has timeoutStream\/idle\)/);
    });

    it('flags every copy when the spec changes its diagram', () => {
      const changed = altered('marbles/retryStream.marbles.spec.ts', ' * retryStream({ delay: 10 })', ' * retryStream({ delay: 10, count: 1 })');
      const flagged = checkDiagrams(changed).map((p) => p.file);
      const copies = [...clean].filter(([, text]) => /<!-- diagram:.*\bretryStream\/backoff\b/.test(text)).map(([file]) => file);
      expect(copies.length).toBeGreaterThanOrEqual(3);
      expect(flagged.sort()).toEqual(copies.sort());
    });

    it('reports unclosed markers and regions instead of guessing', () => {
      const noEnd: SourceFiles = altered('docs/operators-shaping.md', '```\n<!-- /diagram -->\n\nEvery emission', '```\n\nEvery emission');
      const noEndregion: SourceFiles = altered('marbles/scanResponse.marbles.spec.ts', ' * #endregion', ' *');
      expect(checkDiagrams(noEnd)).toEqual([expect.objectContaining({ kind: 'malformed', file: 'docs/operators-shaping.md' })]);
      expect(checkDiagrams(noEndregion)).toEqual(
        expect.arrayContaining([expect.objectContaining({ kind: 'malformed', file: 'marbles/scanResponse.marbles.spec.ts' })]),
      );
    });
  });
});
