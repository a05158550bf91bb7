// `emqx-relup` itself, as a real process: the list of commands, `help <command>` being the
// command's own --help word for word, one help layout for every command, and each bad command
// line refused with one line and 64 (one JSON object with --json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/fake-root.js';

const relup = join(repoRoot, 'bin', 'emqx-relup');
const COMMANDS = ['pack', 'inspect', 'rollout', 'status', 'completion'];

function run(args: string[]) {
  const r = spawnSync(relup, args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('emqx-relup --help, -h, help and help help: every command, the examples and exit codes', () => {
  const top = run(['--help']);
  assert.equal(top.code, 0, top.stderr);
  assert.equal(top.stderr, '');
  for (const c of COMMANDS) assert.match(top.stdout, new RegExp(`^  emqx-relup ${c} +\\S`, 'm'), c);
  assert.match(top.stdout, /^Examples:\n {2}emqx-relup help rollout\n/m);
  assert.match(top.stdout, /^Exit codes:\n {2}0 {3}done\n {2}64 {2}bad command line/m);
  assert.match(top.stdout, /^ {2}79 {2}internal error: a bug, report it/m);
  for (const args of [['-h'], ['help'], ['help', 'help']]) assert.deepEqual(run(args), top, args.join(' '));
});

test('help <command> is <command> --help, and every command has the same sections in the same order', () => {
  for (const c of COMMANDS) {
    const h = run(['help', c]);
    assert.equal(h.code, 0, h.stderr);
    assert.deepEqual(run([c, '--help']), h, c);
    assert.deepEqual(run([c, '-h']), h, c);
    assert.ok(h.stdout.startsWith(`emqx-relup ${c} `), h.stdout);
    const sections = h.stdout.split('\n').filter((l) => /^[A-Z][a-z ]+:$/.test(l));
    assert.deepEqual(sections, ['Options:', 'Examples:', 'Exit codes:'], c);
    assert.match(h.stdout, /^ {2}-h, --help +show this help/m, c);
    const examples = h.stdout.slice(h.stdout.indexOf('Examples:'), h.stdout.indexOf('Exit codes:'));
    const n = examples.split('\n').filter((l) => l.includes(`emqx-relup ${c}`) && /^ {2}\S/.test(l)).length;
    assert.ok(n >= 2 && n <= 3, `${c}: ${n} examples`);
    assert.match(h.stdout, /^ {2}64 +bad command line/m, c);
  }
  // A rollout option's help line, and its numbers with their defaults.
  assert.match(run(["help", "rollout"]).stdout, /--batch +hosts upgraded together after the canary: N, or P% of the rollout.s\n +hosts \(rounded down, at least 1\) +\[default: "1"\]/);
});

test('a bad command line is one line and 64 (one JSON object with --json), naming what to do', () => {
  for (const [args, line] of [
    [[], "emqx-relup: error: no command given; commands: pack, inspect, rollout, status, completion; run 'emqx-relup --help'"],
    [['pak'], 'emqx-relup: error: unknown command "pak" (did you mean pack?); commands: pack, inspect, rollout, status, completion, help'],
    [['help', 'rolout'], 'emqx-relup: error: unknown command "rolout" (did you mean rollout?); commands: pack, inspect, rollout, status, completion, help'],
    [['help', 'pack', 'inspect'], "emqx-relup: error: help takes one command, got 2 words; run 'emqx-relup help <command>'"],
    [['--out', 'x', 'pack'], "emqx-relup: error: --out before the command; put options after it: 'emqx-relup <command> --out'; commands: pack, inspect, rollout, status, completion"],
    [['inspect', 'a.tar.gz', '--jsn'], "emqx-relup inspect: error: unknown option --jsn for inspect (did you mean --json?); see 'emqx-relup inspect --help'"],
    [['pack', 'rel', '--level'], "emqx-relup pack: error: --level needs a value; see 'emqx-relup pack --help'"],
  ] as const) {
    const r = run([...args]);
    assert.equal(r.code, 64, args.join(' '));
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${line}\n`);
  }
  const j = run(['pak', '--json']);
  assert.equal(j.code, 64);
  const e = JSON.parse(j.stderr).error;
  assert.equal(e.code, 'USAGE');
  assert.equal(e.exitCode, 64);
});
