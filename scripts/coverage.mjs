// `npm run coverage [-- unit | SUBSTRING]`: the test suite under c8 over a build with source maps,
// then line and branch coverage of src/*.ts (from the compiled modules the tests import and from
// dist/emqx.cjs, which the wrapper's own processes run). It fails when a test fails; with no
// filter also below FLOOR (docs/contributing.md "Coverage") or when a file of src/ was never loaded at all.
// c8's own include filter is applied before source maps are followed (its after-remap filter
// reports every line as covered, bcoe/c8#462), so the bundle's node_modules sources are dropped
// here, from its JSON report.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Percent floors for the whole suite, a couple of points under the measured figures. */
export const FLOOR = { lines: 95, branches: 91 };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const filter = process.argv[2];
const out = join(root, 'dist', 'coverage');

const run = (file, args) => spawnSync(file, args, { stdio: 'inherit', cwd: root }).status ?? 1;

if (run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--coverage']) !== 0) process.exit(1);
rmSync(out, { recursive: true, force: true });
// Some tests run the wrapper as nobody: it must be able to write its coverage file too, also when
// the checkout sits below a directory only root can enter (a 0700 temp dir), so the profiles go to
// a world-writable directory of their own under the system temp dir.
const temp = mkdtempSync(join(tmpdir(), 'relup-coverage-'));
chmodSync(temp, 0o1777);
process.on('exit', () => rmSync(temp, { recursive: true, force: true }));
const c8 = require.resolve('c8/bin/c8.js');
const tests = run(process.execPath, [
  c8,
  '--temp-directory', temp,
  '--clean=false',
  '--report-dir', out,
  '--reporter', 'json',
  '--include', 'dist/src/**/*.js',
  '--include', 'dist/emqx.cjs',
  process.execPath, join(root, 'scripts', 'run-tests.mjs'), ...(filter ? [filter] : []),
]);

const report = join(out, 'coverage-final.json');
if (!existsSync(report)) {
  console.error(`coverage: c8 wrote no ${relative(root, report)}`);
  process.exit(1);
}
const src = join(root, 'src') + sep;
const files = Object.values(JSON.parse(readFileSync(report, 'utf8'))).filter((f) => f.path.startsWith(src) && f.path.endsWith('.ts'));

/** Lines as istanbul counts them: a line is covered when a statement starting on it ran. */
function figures(f) {
  const lines = new Map();
  for (const [id, loc] of Object.entries(f.statementMap)) {
    const n = f.s[id];
    if (!(lines.get(loc.start.line) >= n)) lines.set(loc.start.line, n);
  }
  const branches = Object.values(f.b).flat();
  const uncovered = [...lines].filter(([, n]) => n === 0).map(([l]) => l).sort((a, b) => a - b);
  return {
    lines: [lines.size - uncovered.length, lines.size],
    branches: [branches.filter((n) => n > 0).length, branches.length],
    uncovered,
  };
}

const pct = ([hit, all]) => (all === 0 ? 100 : (100 * hit) / all);
const fmt = (p) => `${p.toFixed(1).padStart(5)}%`;
/** 3,4,5,9 -> "3-5,9", cut to fit a terminal line. */
function ranges(ls) {
  const parts = [];
  for (let i = 0; i < ls.length; ) {
    let j = i;
    while (j + 1 < ls.length && ls[j + 1] === ls[j] + 1) j++;
    parts.push(i === j ? `${ls[i]}` : `${ls[i]}-${ls[j]}`);
    i = j + 1;
  }
  const s = parts.join(',');
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const total = { lines: [0, 0], branches: [0, 0] };
console.log('\n lines  branches  file                                  uncovered lines');
for (const f of files.sort((a, b) => a.path.localeCompare(b.path))) {
  const g = figures(f);
  for (const k of ['lines', 'branches']) {
    total[k][0] += g[k][0];
    total[k][1] += g[k][1];
  }
  console.log(`${fmt(pct(g.lines))}    ${fmt(pct(g.branches))}  ${relative(root, f.path).padEnd(38)}${ranges(g.uncovered)}`);
}

function walk(dir) {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
}
const seen = new Set(files.map((f) => f.path));
const unloaded = walk(join(root, 'src')).filter((p) => !seen.has(p));

const lines = pct(total.lines);
const branches = pct(total.branches);
console.log(`\ncoverage of src/ (${files.length} files): lines ${lines.toFixed(2)}% (${total.lines[0]}/${total.lines[1]}), branches ${branches.toFixed(2)}% (${total.branches[0]}/${total.branches[1]})`);
let failed = tests !== 0;
if (tests !== 0) console.error(`coverage: the tests failed (exit ${tests})`);
if (unloaded.length > 0) {
  // A filtered run loads only part of src/; the whole suite must load all of it.
  console.error(`coverage: never loaded by ${filter ? 'these tests' : 'any test'}: ${unloaded.map((p) => relative(root, p)).join(', ')}`);
  if (!filter) failed = true;
}
if (!filter) {
  for (const [k, got] of [['lines', lines], ['branches', branches]]) {
    if (got < FLOOR[k]) {
      console.error(`coverage: ${k} ${got.toFixed(2)}% is below the floor of ${FLOOR[k]}%`);
      failed = true;
    }
  }
  if (!failed) console.log(`floors: lines ${FLOOR.lines}%, branches ${FLOOR.branches}% (scripts/coverage.mjs)`);
}
process.exit(failed ? 1 : 0);
