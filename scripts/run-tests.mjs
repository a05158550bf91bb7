// Runs the compiled node:test files. `unit` leaves out the files that start Erlang nodes
// (test/e2e) or sshd (test/rollout/rollout, test/rollout/otp-node).
import { readdirSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');
const only = process.argv[2];

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

let files = walk(testDir);
if (only === 'unit') files = files.filter((f) => !/[\\/]e2e[\\/]|[\\/]rollout[\\/](rollout|otp-node)\.test\.js$/.test(relative(testDir, f)));
else if (only) files = files.filter((f) => relative(testDir, f).includes(only));
if (files.length === 0) {
  console.error(`no test files matched ${only ?? ''}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
