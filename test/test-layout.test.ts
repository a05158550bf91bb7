// The layout rules a reader relies on, checked on the source tree: each module's tests are in the
// test file of the same path (docs/contributing.md, "Where the tests are"), and no two modules
// import each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './helpers/fake-root.js';

const src = path.join(repoRoot, 'src');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)).map((f) => `${d.name}/${f}`) : d.name.endsWith('.ts') ? [d.name] : []));
}

const modules = walk(src).sort();
const text = (rel: string) => fs.readFileSync(path.join(src, rel), 'utf8');

/** Modules without a test file of their own, and why. A barrel (only `export * from`) needs none. */
const WITHOUT_OWN_TESTS: Record<string, string> = {
  'release/ekka.ts': 'one constant, used and checked by release/runner-env.test.ts',
  'cli/exe-app.ts': "the single executable's asset entry, two re-exports: run inside the built executable by cli/exe-bundle.test.ts",
  // Being rewritten under issue 23 (the wrapper core and the rollout); their tests come with it.
  'rollout/ssh.ts': 'issue 23, rollout',
  'rollout/stage.ts': 'issue 23, rollout',
  'rollout/upgrade.ts': 'issue 23, rollout',
};

const isBarrel = (rel: string) => text(rel).split('\n').every((l) => l.trim() === '' || l.startsWith('//') || /^export \* from '\.\/[\w-]+\.js';$/.test(l));

test('every module of src/ has its tests in test/<same path>.test.ts', () => {
  const missing = modules.filter((m) => !isBarrel(m) && !(m in WITHOUT_OWN_TESTS) && !fs.existsSync(path.join(repoRoot, 'test', m.replace(/\.ts$/, '.test.ts'))));
  assert.deepEqual(missing, [], 'give each its test file, or say in WITHOUT_OWN_TESTS why it has none');
  for (const m of Object.keys(WITHOUT_OWN_TESTS)) assert.ok(modules.includes(m), `${m} is listed but is no module of src/ any more`);
});

/** The modules `rel` imports (static, dynamic and type imports, re-exports), as paths relative to src/. */
function importsOf(rel: string): string[] {
  const out = new Set<string>();
  for (const m of text(rel).matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)\.js'/g)) out.add(path.posix.normalize(path.posix.join(path.posix.dirname(rel), `${m[1]}.ts`)));
  return [...out];
}

test('no two modules import each other', () => {
  const graph = new Map(modules.map((m) => [m, importsOf(m)]));
  for (const [m, deps] of graph) for (const d of deps) assert.ok(graph.has(d), `${m} imports ${d}, which is not in src/`);
  const mutual = [...graph].flatMap(([a, deps]) => deps.filter((b) => a < b && graph.get(b)!.includes(a)).map((b) => `${a} <-> ${b}`));
  assert.deepEqual(mutual, []);
});
