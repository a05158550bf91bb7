// runWrapper(), the wrapper's start shared by the one-file build and the single executable, in a
// child process: it answers as the wrapper does, and its process title no longer shows --root
// (EMQX's runner finds the node with `ps`, where a --root of ours would match its grep).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fake-root.js';

const mod = pathToFileURL(join(repoRoot, 'dist', 'src', 'cli', 'emqx-run.js')).href;

function run(argv: string[]): { status: number | null; stdout: string } {
  const code = `const { runWrapper } = await import(${JSON.stringify(mod)});
    const rc = await runWrapper(${JSON.stringify(argv)}, 'emqx');
    process.stdout.write(JSON.stringify({ rc, title: process.title }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout };
}

test('runWrapper: answers --version like the wrapper, exit 0', () => {
  const r = run(['--version']);
  assert.equal(r.status, 0);
  const out = r.stdout.split('{')[0]!.trim();
  assert.match(out, /^\d+\.\d+\.\d+/);
  assert.equal(JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).rc, 0);
});

test('runWrapper: the process title drops --root and its value', () => {
  const r = run(['--root', '/opt/emqx', '--version']);
  const { title } = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))) as { title: string };
  assert.equal(title, 'emqx --version', 'the title is set, the rest of the command kept');
  assert.notEqual(run(['--version']).stdout.includes('"title":"emqx --version"'), true, 'without --root the title is left alone');
});
