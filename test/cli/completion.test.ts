// Shell completion of emqx-relup and emqx, in the real shells: each script is printed by the
// real command, sourced in a real bash (complete -p, then the completion function run on the
// words of a command line, as bash runs it on Tab) and typed into a real interactive zsh in
// tmux (compinit, then Tab, and the line read back from the pane).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionScript, pickShell, type CompletionSpec } from '../../src/cli/completion.js';
import { repoRoot } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/support.js';

const binDir = join(repoRoot, 'bin');
const env = { ...process.env, PATH: `${binDir}:${process.env.PATH}` };

function printed(prog: string, shell: string): string {
  const r = spawnSync(join(binDir, prog), ['completion', shell], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

/** Runs `script` in bash after sourcing both completions; `t PROG WORDS...` prints what Tab offers. */
function bash(t: { after(fn: () => void): void }, script: string): string {
  const dir = tempDir(t, 'relup-completion-');
  writeFileSync(join(dir, 'relup.bash'), printed('emqx-relup', 'bash'));
  writeFileSync(join(dir, 'emqx.bash'), printed('emqx', 'bash'));
  const prelude = `set -u
source ${dir}/relup.bash
source ${dir}/emqx.bash
# As bash does on Tab: COMP_WORDS split at COMP_WORDBREAKS (here: words as given), the function
# named by complete -F for the command.
t() {
  local prog=$1 f; shift
  COMP_WORDS=("$prog" "$@"); COMP_CWORD=$#; COMPREPLY=()
  f=$(complete -p "$prog" | sed -n 's/.* -F \\([^ ]*\\) .*/\\1/p')
  "$f" "$prog" "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD-1]}"
  echo "\${COMPREPLY[*]}"
}
`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', prelude + script], { encoding: 'utf8', env });
  assert.equal(r.stderr, '', r.stderr);
  assert.equal(r.status, 0);
  return r.stdout;
}

test('bash: both scripts register with complete -o default -F', (t) => {
  assert.equal(bash(t, 'complete -p emqx-relup emqx'), 'complete -o default -F __emqx_relup_complete emqx-relup\ncomplete -o default -F __emqx_complete emqx\n');
});

test('bash: emqx-relup completes commands, each command its own options, fixed values, help topics', (t) => {
  const cases: [string, string][] = [
    ["''", 'pack inspect rollout status completion help'],
    ['pa', 'pack'],
    ['pack --ed', '--edition'],
    ["pack --edition ''", 'community enterprise'],
    ["pack --edition = ''", 'community enterprise'], // bash splits --edition=... at the '='
    ['pack --edition = e', 'enterprise'],
    ["pack --out ''", ''], // a directory: bash's file names (-o default)
    ['inspect --', '--json --help'],
    ['rollout x.tar.gz --st', '--stage-parallel --state'],
    ['rollout x.tar.gz --no-', '--no-permanent --no-multiplex'],
    ['rollout x.tar.gz --hosts a --ba', '--batch'],
    ["help ''", 'pack inspect rollout status completion'],
    ['help ro', 'rollout'],
    ["completion ''", 'bash zsh'],
    ['--', '--help --version'],
    ["nosuch --", ''],
  ];
  const out = bash(t, cases.map(([w]) => `t emqx-relup ${w}`).join('\n')).split('\n');
  for (const [i, [w, want]] of cases.entries()) assert.equal(out[i], want, w);
});

test('bash: emqx completes its commands and options wherever the wrapper takes them', (t) => {
  const cases: [string, string][] = [
    ['up', 'upgrade'],
    ['un', 'unpack uninstall'],
    ['--root /opt/emqx up', 'upgrade'], // an option's value is not the command
    ['--root = /opt/emqx st', 'start stop'],
    ["--root ''", ''], // a directory: file names
    ['--pa', '--package'],
    ['upgrade 5.0.2 --no', '--no-permanent'],
    ['upgrade 5.0.2 --req', '--require-checksum'],
    ['ctl --', '--root --dry-run --json'], // after a handed-on command, only these are the wrapper's
    ["completion ''", 'bash zsh'],
    ['-- up', ''],
  ];
  const out = bash(t, cases.map(([w]) => `t emqx ${w}`).join('\n')).split('\n');
  for (const [i, [w, want]] of cases.entries()) assert.equal(out[i], want, w);
});

function tmux(sock: string, ...args: string[]): string {
  const r = spawnSync('tmux', ['-S', sock, ...args], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** Polls the pane until `pred` holds (or gives up after a minute): what zsh shows after a Tab. */
function waitPane(sock: string, pred: (pane: string) => boolean): string {
  let pane = '';
  for (let i = 0; i < 600; i++) {
    pane = tmux(sock, 'capture-pane', '-p', '-J', '-t', 'c');
    if (pred(pane)) return pane;
    spawnSync('sleep', ['0.1']);
  }
  return pane;
}

test('zsh: Tab in a real interactive zsh completes both commands', (t) => {
  if (spawnSync('zsh', ['--version']).status !== 0) {
    t.skip('zsh is not installed (scripts/setup.sh installs it)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'relup-zsh-'));
  const sock = join(dir, 'tmux.sock');
  t.after(() => {
    spawnSync('tmux', ['-S', sock, 'kill-server']);
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'relup.zsh'), printed('emqx-relup', 'zsh'));
  writeFileSync(join(dir, 'emqx.zsh'), printed('emqx', 'zsh'));
  // A zsh that reads no user file; compinit -u: no question about the directories' owners.
  writeFileSync(join(dir, '.zshrc'), `PS1='%% '\nautoload -Uz compinit && compinit -u -d ${dir}/zcompdump\nsource ${dir}/relup.zsh\nsource ${dir}/emqx.zsh\nprint READY\n`);
  tmux(sock, 'new-session', '-d', '-s', 'c', '-x', '120', '-y', '30', `env ZDOTDIR=${dir} PATH=${env.PATH} zsh -i`);
  assert.match(waitPane(sock, (p) => p.includes('READY')), /READY/);
  const tab = (typed: string, want: RegExp): void => {
    tmux(sock, 'send-keys', '-t', 'c', 'C-u', 'clear', 'Enter');
    waitPane(sock, (p) => !p.includes('READY') && p.trim() === '%');
    tmux(sock, 'send-keys', '-t', 'c', '-l', typed);
    tmux(sock, 'send-keys', '-t', 'c', 'Tab');
    const pane = waitPane(sock, (p) => want.test(p));
    assert.match(pane, want, `${typed}<Tab>`);
  };
  tab('emqx-relup pa', /% emqx-relup pack ?$/m);
  tab('emqx-relup rollout x.tar.gz --stage-p', /% emqx-relup rollout x\.tar\.gz --stage-parallel ?$/m);
  tab('emqx-relup pack --edition=ent', /% emqx-relup pack --edition=enterprise ?$/m);
  tab('emqx-relup help insp', /% emqx-relup help inspect ?$/m);
  tab('emqx --root /tmp upg', /% emqx --root \/tmp upgrade ?$/m);
  tab('emqx upgrade 5.0.2 --no-p', /% emqx upgrade 5\.0\.2 --no-permanent ?$/m);
});

test('completion: the shell from the argument, else $SHELL; anything else is one line', () => {
  assert.equal(pickShell(['zsh'], {}), 'zsh');
  assert.equal(pickShell([], { SHELL: '/usr/bin/bash' }), 'bash');
  assert.deepEqual(pickShell([], { SHELL: '/usr/bin/fish' }), { error: 'cannot tell the shell from SHELL="/usr/bin/fish"; name it: bash or zsh' });
  assert.deepEqual(pickShell(['fish'], {}), { error: 'no completion for "fish": bash or zsh' });
  assert.deepEqual(pickShell(['bash', 'zsh'], {}), { error: 'completion takes one shell, got 2 words' });
  for (const [prog, args] of [
    ['emqx-relup', ['completion', 'fish']],
    ['emqx', ['completion', 'fish']],
    ['emqx-relup', ['completion', 'bash', 'zsh']],
  ] as const) {
    const r = spawnSync(join(binDir, prog), args, { encoding: 'utf8', env: { ...env, SHELL: '/bin/sh' } });
    assert.equal(r.status, 64, `${prog} ${args.join(' ')}`);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
  }
});

test('a word that is not safe in the script is refused when the script is made, not at Tab', () => {
  const spec: CompletionSpec = { prog: 'x', global: [], commands: [{ name: 'a;rm', options: [] }] };
  assert.throws(() => completionScript(spec, 'bash'), /unsafe word "a;rm"/);
});

test("the wrapper's completion is in its one-file build, which holds no yargs (its cold start)", () => {
  const r = spawnSync(process.execPath, [join(repoRoot, 'dist', 'emqx.cjs'), 'completion', 'bash'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /complete -o default -F __emqx_complete emqx\n$/);
  assert.doesNotMatch(readFileSync(join(repoRoot, 'dist', 'emqx.cjs'), 'utf8'), /yargs/);
  // Positive control: the emqx-relup side does name it.
  assert.match(readFileSync(join(repoRoot, 'dist', 'src', 'cli', 'relup-parse.js'), 'utf8'), /import\('yargs'\)/);
});
