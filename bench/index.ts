/**
 * `npm run bench` (full) / `npm run bench -- --quick` or BENCH_QUICK=1 (small, < 30 s).
 * `--only=operators,e2e` runs a subset. Runs each section (one file each) in turn, prints a table per
 * section and the targets, and writes bench/results.json with the Node version, CPU model and date
 * (quick runs: results.quick.json; --only runs: results[.quick].partial.json). Exit code 1 only when a section crashed (a missed target is a result).
 * `--against <ref> [--pairs=N] [--keep-tree]` compares another commit with the working tree instead (bench/against.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseAgainstArgs, runAgainst } from './against.js';
import { QUICK, type SectionResult } from './common.js';
import { fmt, table } from './format.js';

interface Section {
  readonly id: string;
  readonly title: string;
  readonly load: () => Promise<{ run(): Promise<SectionResult> }>;
}

const SECTIONS: readonly Section[] = [
  { id: 'operators', title: '1. Operator overhead', load: () => import('./operators.js') },
  { id: 'alternatives', title: '2. Against the alternatives', load: () => import('./alternatives.js') },
  { id: 'e2e', title: '3. End to end over loopback', load: () => import('./e2e.js') },
  { id: 'memory', title: '4. Memory', load: () => import('./memory.js') },
  { id: 'concurrency', title: '5. Concurrency', load: () => import('./concurrency.js') },
  { id: 'cancellation', title: '6. Cancellation latency', load: () => import('./cancellation.js') },
  { id: 'workflow', title: '7. Workflows', load: () => import('./workflow.js') },
  { id: 'structured', title: '8. Structured output', load: () => import('./structured.js') },
  { id: 'serving', title: '9. Serving streams', load: () => import('./serving.js') },
  { id: 'recovery', title: '10. Recovery', load: () => import('./recovery.js') },
  { id: 'firstRequest', title: '11. The first request', load: () => import('./firstRequest.js') },
  { id: 'scale', title: '12. Scale: 10,000 streams in one process', load: () => import('./scale.js') },
  { id: 'agentLoop', title: '13. The agent loop and workflow events', load: () => import('./agentLoop.js') },
  { id: 'callgrind', title: '14. Instruction counts (callgrind)', load: () => import('./callgrind.js') },
];

function selected(): readonly Section[] {
  const only = process.argv.find((a) => a.startsWith('--only='));
  if (only === undefined) return SECTIONS;
  const ids = new Set(only.slice('--only='.length).split(','));
  return SECTIONS.filter((s) => ids.has(s.id));
}

function versionOf(pkg: string): string {
  try {
    const path = fileURLToPath(new URL(`../node_modules/${pkg}/package.json`, import.meta.url));
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function printSection(result: SectionResult): void {
  console.log(`\n## ${result.title}${result.durationMs === undefined ? '' : `  (${(result.durationMs / 1000).toFixed(1)} s)`}\n`);
  if (result.error !== undefined) {
    console.log(`SECTION FAILED: ${result.error}`);
    return;
  }
  console.log(
    table(
      ['measurement', 'median', 'unit', 'ratio'],
      result.rows.map((r) => [r.name, fmt(r.value), r.unit, r.ratio === undefined ? '' : `${fmt(r.ratio)}× ${r.ratioTo ?? ''}`.trim()]),
    ),
  );
  if (result.targets.length > 0) {
    console.log('');
    console.log(
      table(
        ['target', 'claim', 'measured', 'status'],
        result.targets.map((t) => [
          t.name,
          `${t.comparator} ${fmt(t.threshold)} ${t.unit}`,
          `${fmt(t.measured)} ${t.unit}`,
          t.met === undefined ? 'n/a' : t.met ? 'met' : 'MISSED',
        ]),
      ),
    );
  }
  for (const note of result.notes) console.log(`- ${note}`);
}

async function main(): Promise<void> {
  const started = new Date();
  const cpu = cpus();
  const environment = {
    date: started.toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: `${platform()} ${release()}`,
    cpuModel: cpu[0]?.model ?? 'unknown',
    cpuCount: cpu.length,
    totalMemoryMB: Math.round(totalmem() / 2 ** 20),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    quick: QUICK,
    versions: Object.fromEntries(
      ['rxjs', 'tinybench', 'ai', '@langchain/core', 'openai', '@anthropic-ai/sdk', 'ollama', 'tsx'].map((p) => [p, versionOf(p)]),
    ),
  };
  const against = parseAgainstArgs(process.argv.slice(2));
  if (against !== undefined) {
    process.exitCode = await runAgainst(against, selected(), environment);
    return;
  }
  console.log(`# agenticraft-rx benchmark${QUICK ? ' (quick)' : ''}`);
  console.log(`${environment.date} · Node ${environment.node} · ${environment.cpuModel} × ${environment.cpuCount} · load ${environment.loadAverageAtStart.join(' ')}`);

  const results: SectionResult[] = [];
  for (const section of selected()) {
    const t0 = performance.now();
    let result: SectionResult;
    try {
      const mod = await section.load();
      result = { ...(await mod.run()), durationMs: Math.round(performance.now() - t0) };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      result = { id: section.id, title: section.title, rows: [], targets: [], notes: [], error: message, durationMs: Math.round(performance.now() - t0) };
      if (error instanceof Error && error.stack) console.error(error.stack);
    }
    results.push(result);
    printSection(result);
  }

  const targets = results.flatMap((r) => r.targets.map((t) => ({ section: r.id, ...t })));
  const summary = {
    met: targets.filter((t) => t.met === true).length,
    missed: targets.filter((t) => t.met === false).length,
    notMeasured: targets.filter((t) => t.met === undefined).length,
    failedSections: results.filter((r) => r.error !== undefined).map((r) => r.id),
  };
  console.log(`\n## Targets: ${summary.met} met, ${summary.missed} missed, ${summary.notMeasured} not measured${summary.failedSections.length ? `; failed sections: ${summary.failedSections.join(', ')}` : ''}`);
  for (const t of targets.filter((x) => x.met === false)) console.log(`- MISSED [${t.section}] ${t.name}: ${fmt(t.measured)} ${t.unit} (target ${t.comparator} ${fmt(t.threshold)})`);

  // Only a complete full run writes results.json; quick and --only runs write beside it.
  const partial = process.argv.some((a) => a.startsWith('--only='));
  const out = fileURLToPath(new URL(`./results${QUICK ? '.quick' : ''}${partial ? '.partial' : ''}.json`, import.meta.url));
  const totalMs = Math.round(performance.now());
  writeFileSync(
    out,
    JSON.stringify({ environment: { ...environment, loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100), totalMs }, summary, sections: results }, null, 2) + '\n',
  );
  console.log(`\nwrote ${out}`);
  if (summary.failedSections.length > 0) process.exitCode = 1;
}

await main();
