// Runs the compiled node:test files: `node scripts/run-tests.mjs [--list] [unit | SUBSTRING]`.
// `unit` leaves out the files that start Erlang nodes or sshd (see test-selection.mjs); `--list`
// prints the selected files (relative to dist/test) instead of running them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectTests } from './test-selection.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');
const args = process.argv.slice(2);
const list = args[0] === '--list';
const only = list ? args[1] : args[0];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(relative(testDir, p));
  }
  return out;
}

if (!existsSync(testDir)) {
  console.error('dist/test is missing: run `npm run build` first');
  process.exit(1);
}
const files = selectTests(walk(testDir), only);
if (files.length === 0) {
  console.error(`no test files matched ${only ?? ''}`);
  process.exit(1);
}
if (list) {
  console.log(files.join('\n'));
  process.exit(0);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files.map((f) => join(testDir, f))], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
