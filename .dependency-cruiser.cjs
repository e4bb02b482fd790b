/**
 * Import rules for src/: the layers of agenticraft-rx, checked by dependency-cruiser.
 *
 *   npm run lint:imports     the check alone (`npm test` runs it first); exits non-zero on any violation
 *   npx depcruise src --config .dependency-cruiser.cjs --output-type err-long     the same, by hand
 *
 * The rule, in the words:
 *   model ← tools ← operators | providers ← agent ← workflow; interop knows no agent; adapters on top;
 *   operators and providers know nothing of each other.
 * The same layers, and the path one chunk takes through them, are described in docs/architecture.md
 * (see also STYLE.md "Layout"): change the two together.
 *
 * How to read this file: LAYERS says which paths make up each layer and which layers it may import. Every
 * other layer is forbidden to it by one rule, named `<layer>-not-to-<other>`, whose comment (printed with
 * each violation) says why. A layer may always import its own modules. `import type` counts: type imports
 * are imports for layering (tsPreCompilationDeps). test/import-rules.test.ts proves the rules can fail.
 */

/** The paths of each layer. Core also holds two small helpers every layer may use. */
const PATHS = {
  core: ['^src/(chunk|response|optionChecks|mergeObjects|longTimers|continuation|lazyAbort)[.]ts$', '^src/errors/'],
  tools: ['^src/tools/'],
  interop: ['^src/interop/'],
  operators: ['^src/operators/'],
  providers: ['^src/providers/'],
  agent: ['^src/agent/'],
  workflow: ['^src/workflow/'],
  adapters: ['^src/(angular|cli|testing)/'],
  barrel: ['^src/index[.]ts$'],
};

const BARREL = 'the barrel (src/index.ts) is the way out of the library, not a way in: import the module itself';

/**
 * For each layer: the layers it may import (besides its own), and for every other layer why not.
 * Adapters may import every layer below them; adapters-not-to-other-adapters keeps them apart.
 */
const LAYERS = {
  core: {
    may: [],
    because: {
      tools: 'the model knows no tool',
      interop: 'the model knows no serving: interop knows only the model, not the other way round',
      operators: 'the model knows no operator',
      providers: 'the model knows no wire',
      agent: 'the model knows no agent',
      workflow: 'the model knows no workflow',
      adapters: 'no face below the core: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  tools: {
    may: ['core'],
    because: {
      interop: 'tools sit just above the model: they know no serving',
      operators: 'tools sit just above the model (model ← tools ← operators): tools know no operator',
      providers: 'tools are used by providers and the agent alike: they know neither',
      agent: 'tools are used by providers and the agent alike: they know neither',
      workflow: 'tools know no workflow',
      adapters: 'no face under tools: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  interop: {
    may: ['core'],
    because: {
      tools: 'interop knows only the model',
      operators: 'interop knows only the model: it turns any chunk stream into AsyncIterables and SSE and back',
      providers: 'interop knows only the model: it serves any chunk stream, whichever provider made it',
      agent: 'interop knows no agent (serving knows no agent)',
      workflow: 'interop knows no agent, and so no workflow',
      adapters: 'no face under interop: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  operators: {
    may: ['core', 'tools'],
    because: {
      interop: 'operators work on any chunk stream: they know no serving (interop)',
      providers:
        'operators work on any chunk stream: they know no provider ' +
        '(operators and providers know nothing of each other)',
      agent: 'operators know no agent',
      workflow: 'operators know no workflow',
      adapters: 'no face under operators: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  providers: {
    may: ['core', 'tools'],
    because: {
      interop: "providers yield chunk streams: serving them is interop's job, and providers know nothing of it",
      operators: 'providers need no operator (operators and providers know nothing of each other)',
      agent: 'providers know no agent',
      workflow: 'providers know no workflow',
      adapters: 'no face under providers: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  agent: {
    may: ['core', 'tools', 'interop', 'operators', 'providers'],
    because: {
      workflow: 'the agent knows no workflow (providers ← agent ← workflow)',
      adapters: 'no face under the agent: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  workflow: {
    may: ['core', 'tools', 'operators', 'providers', 'agent'],
    because: {
      interop: 'workflows are steps over agents: serving their streams is for interop and the adapters, above them',
      adapters: 'no face under workflows: nothing below the adapters imports them',
      barrel: BARREL,
    },
  },
  barrel: {
    may: ['core', 'tools', 'interop', 'operators', 'providers', 'agent', 'workflow'],
    because: {
      adapters:
        'adapters are thin faces, each its own entry point (agenticraft-rx/testing, …): ' +
        'the barrel never re-exports them',
    },
  },
  adapters: {
    may: ['core', 'tools', 'interop', 'operators', 'providers', 'agent', 'workflow', 'barrel'],
    because: {},
  },
};

const ALL_LAYERS = Object.values(PATHS).flat();

/** One rule per forbidden (layer, other layer) pair; throws if a pair has no reason written down. */
function layerRules() {
  const rules = [];
  for (const [layer, { may, because }] of Object.entries(LAYERS)) {
    for (const other of Object.keys(PATHS)) {
      if (other === layer || may.includes(other)) continue;
      const why = because[other];
      if (why === undefined) throw new Error(`.dependency-cruiser.cjs: say why ${layer} may not import ${other}`);
      rules.push({
        name: `${layer}-not-to-${other}`,
        comment: `${why}. (${layer} imports only ${[...may, 'itself'].join(', ')}.)`,
        severity: 'error',
        from: { path: PATHS[layer] },
        to: { path: PATHS[other] },
      });
    }
  }
  return rules;
}

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules(),
    {
      name: 'adapters-not-to-other-adapters',
      comment:
        'adapters are thin faces on top, each its own entry point: they import the layers below, never each other',
      severity: 'error',
      from: { path: '^src/(angular|cli|testing)/' },
      to: { path: PATHS.adapters, pathNot: '^src/$1/' },
    },
    {
      name: 'module-outside-the-layers',
      comment:
        'a reader should see the architecture from the tree: every module of src belongs to a layer ' +
        '(core, tools/, interop/, operators/, providers/, agent/, workflow/, an adapter, or index.ts). ' +
        'A folder named internal/ or utils/ is a smell: name a module after what it does, and put it in its layer',
      severity: 'error',
      from: { path: '^src/', pathNot: ALL_LAYERS },
      to: {},
    },
    {
      name: 'to-module-outside-the-layers',
      comment:
        'this module imports a module of src that belongs to no layer: move it into the layer it serves ' +
        '(or add the layer to .dependency-cruiser.cjs and docs/architecture.md)',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: ALL_LAYERS },
    },
    {
      name: 'sdk-only-in-providers',
      comment:
        'providers are the only place that knows a wire format: only they import a provider SDK ' +
        '(openai, @anthropic-ai/sdk, ollama)',
      severity: 'error',
      from: { path: '^src/', pathNot: PATHS.providers },
      to: { path: ['(^|/)node_modules/(openai|@anthropic-ai/sdk|ollama)/', '^(openai|@anthropic-ai/sdk|ollama)(/|$)'] },
    },
    {
      name: 'no-circular',
      comment:
        'layers point one way: a cycle inside src means two modules each know the other. ' +
        'Move what both need down into the lower one (or into core)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-rxjs-internal',
      comment:
        "rxjs/internal/* is not rxjs's public API and moves between minor versions: import from 'rxjs' " +
        "(or 'rxjs/testing' in the testing adapter)",
      severity: 'error',
      from: { path: '^src/' },
      to: {
        // resolved (rxjs/internal/… or its dist/<format>/internal/… build), or unresolved as written
        path: [
          '(^|/)node_modules/rxjs/internal/',
          '(^|/)node_modules/rxjs/dist/[^/]+/internal/',
          '^rxjs/internal(/|$)',
        ],
      },
    },
    {
      name: 'no-tests-in-src',
      comment:
        'src is the library that is published: test/, bench/, marbles/ and examples/ use it, never the other way round',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|marbles|examples)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'this import resolves to no file: a typo, a wrong relative path, or a package missing from package.json',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Only src/ is checked (the command names src); what src imports from elsewhere is noted, not followed.
    doNotFollow: { path: ['(^|/)node_modules/', '^(test|bench|marbles|examples)/'] },
    // Type imports are imports for layering: keep `import type` and type-only imports in the graph.
    tsPreCompilationDeps: true,
    // Resolve as tsc does (NodeNext: './x.js' specifiers name './x.ts' files).
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'node', 'default'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
  },
};
