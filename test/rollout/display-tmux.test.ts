// The rollout display in a real terminal: tmux runs the CLI's own wiring (runWith, through
// helpers/rollout-display-driver.ts) over 40 in-memory hosts, and capture-pane reads back the
// whole history as an operator would scroll it. Each tmux server has its own socket in a temp dir.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { hostName } from '../helpers/rollout-display-driver.js';

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), '../helpers/rollout-display-driver.js');
const HOSTS = 40;
const WIDTH = 100;
const ROWS = 20;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ {2}/;

const dirs: string[] = [];
after(() => {
  for (const d of dirs) {
    spawnSync('tmux', ['-S', join(d, 'sock'), 'kill-server']);
    rmSync(d, { recursive: true, force: true });
  }
});

interface Pane {
  dir: string;
  tmux(...args: string[]): string;
  /** The whole history and the screen, lines joined where they wrapped, trailing blanks cut. */
  history(): string[];
  screen(): string[];
  exit(): Promise<string>;
}

function start(args: string[], size = { width: WIDTH, rows: ROWS }, env: Record<string, string> = {}): Pane {
  const version = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  assert.equal(version.status, 0, 'tmux is needed for this test: apt-get install tmux (scripts/setup.sh does)');
  const dir = mkdtempSync(join(tmpdir(), 'relup-display-'));
  dirs.push(dir);
  // The pane stays readable after the process exits; the history is big enough to hold any
  // amount of redraws, so the bound below is the display's, not tmux's.
  writeFileSync(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g history-limit 100000\n');
  const tmux = (...a: string[]) => execFileSync('tmux', ['-S', join(dir, 'sock'), '-f', join(dir, 'tmux.conf'), ...a], { encoding: 'utf8' });
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
  // exec: node is the pane's process, in the terminal's foreground group, so ^C reaches it.
  const cmd = `exec env ${vars}${JSON.stringify(process.execPath)} ${JSON.stringify(DRIVER)} ${JSON.stringify(dir)} ${args.join(' ')}`;
  tmux('new-session', '-d', '-x', String(size.width), '-y', String(size.rows), '-s', 'rollout', cmd);
  const lines = (text: string) => {
    const l = text.split('\n').map((s) => s.trimEnd());
    while (l.length > 0 && l.at(-1) === '') l.pop();
    return l;
  };
  return {
    dir,
    tmux,
    history: () => lines(tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'rollout')).filter((l) => !l.startsWith('Pane is dead')),
    screen: () => lines(tmux('capture-pane', '-p', '-t', 'rollout')),
    async exit() {
      for (let i = 0; i < 600 && !existsSync(join(dir, 'exit')); i++) await sleep(100);
      return readFileSync(join(dir, 'exit'), 'utf8').trim();
    },
  };
}

async function waitForScreen(p: Pane, re: RegExp): Promise<string[]> {
  for (let i = 0; i < 400; i++) {
    const s = p.screen();
    if (s.some((l) => re.test(l))) return s;
    await sleep(50);
  }
  assert.fail(`the screen never showed ${re}:\n${p.screen().join('\n')}`);
}

/** The report's row of each host: exactly one line per host in the whole history. */
function assertEachHostOnce(history: string[], outcome: (i: number) => RegExp): void {
  for (let i = 1; i <= HOSTS; i++) {
    const rows = history.filter((l) => l.startsWith(`  ${hostName(i)} `));
    assert.equal(rows.length, 1, `${hostName(i)} shown ${rows.length} times:\n${rows.join('\n')}`);
    assert.match(rows[0]!, outcome(i));
  }
}

describe('rollout display in a real terminal (tmux 100x20, 40 hosts)', () => {
  it('a halt with an error wider than the terminal: the history holds the report once, not the redraws', async () => {
    const p = start(['40', '--fail', hostName(30)]);
    assert.equal(await p.exit(), '70');
    const h = p.history();
    // Everything that stays: the report (a line per host and three more) and the error line.
    // The live block was redrawn hundreds of times (over 7,000 lines of history before).
    assert.ok(h.length <= HOSTS + 4, `${h.length} lines of history:\n${h.join('\n')}`);
    assert.match(h[0]!, /^rollout upgrade to 5\.0\.1: HALTED {2}\d+s {2}40 host\(s\): 29 done, 1 failed, 10 staged$/);
    assertEachHostOnce(h, (i) => (i < 30 ? /5\.0\.0 -> 5\.0\.1 +done$/ : i === 30 ? /5\.0\.0 +failed \(see the error below\)$/ : /5\.0\.0 +staged$/));
    // The long remote error: once, in full, on the error line; its escape byte made inert.
    const quoting = h.filter((l) => l.includes('bad_relup_file'));
    assert.equal(quoting.length, 1, quoting.join('\n'));
    assert.match(quoting[0]!, /^emqx-relup rollout: error: rollout halted at node30\.emqx\.test: emqx upgrade 5\.0\.1 failed \(exit 1\): .*\^\[\[31mend; 29 host\(s\) done, 10 not upgraded; fix node30\.emqx\.test/);
    assert.ok(!h.some((l) => /node30\.emqx\.test: node30\.emqx\.test/.test(l)), 'no doubled host prefix');
  });

  it('while it runs: a header with counts and time, the host in progress, nothing wider or taller than the terminal; ^C lands on its own line', async () => {
    const p = start(['40', '--hold', hostName(5)]);
    const screen = await waitForScreen(p, new RegExp(`^  ${hostName(5).replace(/\./g, '\\.')} +upgrading`));
    const block = screen.filter((l) => l !== '');
    assert.equal(block.length, 2, block.join('\n'));
    assert.match(block[0]!, /^rollout upgrade to 5\.0\.1 {2}\d+s {2}40 host\(s\): 4 done, 1 upgrading, 35 queued$/);
    assert.match(block[1]!, /^ {2}node05\.emqx\.test {2}upgrading +\d+s {2}batch 5\/40$/);
    p.tmux('send-keys', '-t', 'rollout', 'C-c');
    assert.equal(await p.exit(), '130');
    const h = p.history();
    const sig = h.filter((l) => l.includes('SIGINT'));
    assert.equal(sig.length, 1, sig.join('\n'));
    // Not "hoSIGINT": the note starts its own line, past the ^C the terminal echoed.
    assert.match(sig[0]!, new RegExp(`${TIMESTAMP.source}SIGINT: stopping after the host in progress finishes its gate`));
    assert.ok(h.length <= HOSTS + 6, `${h.length} lines of history:\n${h.join('\n')}`);
    assertEachHostOnce(h, (i) => (i <= 5 ? /done$/ : /staged$/));
    assert.equal(h.at(-1), 'emqx-relup rollout: interrupted; re-run the same command to continue');
  });

  it('a small terminal (50x6): every live line cut to the width, the long error in full at the end; still bounded', async () => {
    // Canary node01, then node02-05 together: node03 fails while node04 is held in its upgrade
    // (a batch's failures are marked when the whole batch has settled).
    const p = start(['40', '--fail', hostName(3), '--hold', hostName(4), '--batch', '4'], { width: 50, rows: 6 });
    const screen = (await waitForScreen(p, /^ {2}node04\.emqx\.test +upgrading/)).filter((l) => l !== '');
    assert.ok(screen.length <= 5, screen.join('\n'));
    for (const l of screen) assert.ok(l.length <= 49, `wider than the terminal: ${l}`);
    assert.match(screen[0]!, /^rollout upgrade to 5\.0\.1 {2}\d+s {2}40 host\(s\): .*\.\.\.$/);
    p.tmux('send-keys', '-t', 'rollout', 'C-c');
    assert.equal(await p.exit(), '70');
    const h = p.history();
    assert.ok(h.length <= HOSTS + 5, `${h.length} lines of history:\n${h.join('\n')}`);
    assertEachHostOnce(h, (i) => (i === 3 ? /failed \(see the error below\)$/ : i <= 5 ? /done$/ : /staged$/));
    assert.equal(h.filter((l) => l.includes('bad_relup_file')).length, 1);
  });

  it('TERM=dumb: one timestamped line per change, no escape sequence', async () => {
    const p = start(['5', '--fail', hostName(2)], { width: WIDTH, rows: ROWS }, { TERM: 'dumb' });
    assert.equal(await p.exit(), '70');
    const h = p.history();
    const log = h.slice(0, h.findIndex((l) => l.startsWith('rollout upgrade to 5.0.1: HALTED')));
    assert.ok(log.length > 10, log.join('\n'));
    for (const l of log) assert.match(l, TIMESTAMP);
    // The log keeps the full error text: it is never cut to the width.
    assert.ok(log.some((l) => l.includes(`${hostName(2)}  failed`) && l.endsWith('^[[31mend')), log.join('\n'));
  });
});

describe('rollout display when stdout is not a terminal', () => {
  it('appends timestamped lines, never an escape sequence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relup-display-'));
    dirs.push(dir);
    const r = spawnSync(process.execPath, [DRIVER, dir, '3', '--fail', hostName(2)], { encoding: 'utf8', env: { ...process.env, TERM: 'xterm' } });
    assert.equal(r.status, 70, r.stderr);
    const progress = r.stderr.trim().split('\n').slice(0, -1);
    assert.ok(progress.length > 5, r.stderr);
    for (const l of progress) assert.match(l, TIMESTAMP);
    assert.ok(!(r.stderr + r.stdout).includes('\x1b'), 'no escape sequence');
  });
});
