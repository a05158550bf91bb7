// The live block and the log lines as data: what a terminal of a given size is sent, before any
// terminal is involved (test/rollout/display-tmux.test.ts puts it on a real one).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { counts, displayMode, elapsed, fit, liveLines, plainLine, printable, type DisplayState, type HostView, type Phase } from '../../src/rollout/display.js';

const host = (n: number, phase: Phase, detail = '', since: number | null = 0): HostView => ({ host: `node${String(n).padStart(2, '0')}`, phase, detail, since, end: null });

function state(phases: Phase[], detail: (i: number) => string = () => ''): DisplayState {
  return { title: 'upgrade to 5.0.1', t0: 0, hosts: phases.map((p, i) => host(i + 1, p, detail(i + 1), p === 'waiting' ? null : 0)) };
}

describe('display: the live block', () => {
  it('is a header with the counts and the elapsed time, then the hosts in progress', () => {
    const s = state(['done', 'done', 'upgrading', 'queued', 'queued', 'at-target']);
    s.hosts[2]!.detail = 'batch 3/5';
    assert.deepEqual(liveLines(s, 65_000, { width: 100, rows: 20 }), [
      'rollout upgrade to 5.0.1  1m05s  6 host(s): 2 done, 1 at-target, 1 upgrading, 2 queued',
      '  node03  upgrading   1m05s  batch 3/5',
    ]);
  });

  it('never has more lines than the terminal has rows less one, and counts the hosts it leaves out', () => {
    const phases: Phase[] = Array.from({ length: 40 }, () => 'staging');
    for (const rows of [20, 5, 3, 2, 1]) {
      const lines = liveLines(state(phases), 0, { width: 100, rows });
      assert.equal(lines.length, Math.max(1, rows - 1), `rows ${rows}`);
      if (rows >= 3) assert.equal(lines.at(-1), `  ... and ${40 - (rows - 3)} more in progress`, `rows ${rows}`);
    }
    assert.match(liveLines(state(phases), 0, { width: 100, rows: 20 })[1]!, /^ {2}node01 +staging/);
  });

  it('shows failed hosts first, so a failure is never among the hosts left out', () => {
    const phases: Phase[] = [...Array.from({ length: 30 }, (): Phase => 'staging'), 'failed'];
    const lines = liveLines(state(phases, (i) => (i === 31 ? 'the error' : '')), 0, { width: 100, rows: 6 });
    assert.equal(lines.length, 5);
    assert.match(lines[1]!, /^ {2}node31 +failed +0s {2}the error$/);
    assert.equal(lines[4], '  ... and 28 more in progress');
  });

  it('cuts every line below the terminal width, however long the error', () => {
    const long = `emqx upgrade 5.0.1 failed (exit 1): ${'x'.repeat(500)}`;
    for (const width of [100, 40, 10, 4, 1]) {
      const lines = liveLines(state(['failed', 'upgrading'], () => long), 0, { width, rows: 20 });
      for (const l of lines) assert.ok(l.length <= Math.max(1, width - 1), `width ${width}: ${l}`);
    }
    assert.match(liveLines(state(['failed'], () => long), 0, { width: 100, rows: 20 })[1]!, /failed \(exit 1\): x+\.\.\.$/);
  });

  it('keeps the host names aligned but never lets a long name take more than a third of the line', () => {
    const s: DisplayState = { title: '', t0: 0, hosts: [{ host: 'a'.repeat(80), phase: 'gate', detail: '', since: 0, end: null }, { host: 'b', phase: 'gate', detail: '', since: 0, end: null }] };
    const [, first, second] = liveLines(s, 0, { width: 60, rows: 10 });
    assert.equal(first, fit(`  ${'a'.repeat(80)}  gate           0s`, 59));
    assert.equal(second, `  b${' '.repeat(19)}  gate           0s`);
  });

  it('passes no control characters to the terminal: tabs become spaces, escapes caret notation', () => {
    const lines = liveLines(state(['failed'], () => 'bad\tthing\x1b[31m red\r\nnext\x07'), 0, { width: 200, rows: 5 });
    assert.match(lines[1]!, /bad thing\^\[\[31m red next\^G$/);
    for (const l of lines) assert.ok(![...l].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f), l);
  });
});

describe('display: pieces', () => {
  it('elapsed', () => {
    assert.deepEqual([0, 999, 59_999, 60_000, 65_000, 3_600_000, -5].map(elapsed), ['0s', '0s', '59s', '1m00s', '1m05s', '60m00s', '0s']);
  });

  it('fit', () => {
    assert.deepEqual([fit('abcdef', 10), fit('abcdef', 6), fit('abcdef', 5), fit('abcdef', 3), fit('abcdef', 0)], ['abcdef', 'abcdef', 'ab...', 'abc', 'a']);
  });

  it('printable keeps newlines only when asked, and marks C1 controls', () => {
    assert.equal(printable('a\nb\r\nc'), 'a b c');
    assert.equal(printable('a\nb\r\nc', true), 'a\nb\nc');
    assert.equal(printable('\x7f\x9b'), '^?\\x9b');
    assert.equal(printable('plain: ü ✓'), 'plain: ü ✓');
  });

  it('counts: outcomes first, then what is in progress, then what is ahead; zeros left out', () => {
    assert.equal(counts(['waiting', 'done', 'failed', 'staging', 'done', 'untouched']), '2 done, 1 failed, 1 staging, 1 waiting, 1 untouched');
    assert.equal(counts([]), '');
  });

  it('a log line is the UTC time to the second, then the text in full', () => {
    const long = 'y'.repeat(300);
    assert.equal(plainLine(new Date('2026-12-06T01:02:03.456Z'), `node01  failed  ${long}\tend`), `2026-12-06T01:02:03Z  node01  failed  ${long} end`);
  });

  it('live only when stdout and the progress stream are terminals and TERM is not dumb', () => {
    const table: [boolean, boolean, string | undefined, 'live' | 'plain'][] = [
      [true, true, 'xterm-256color', 'live'],
      [true, true, undefined, 'live'],
      [true, true, 'dumb', 'plain'],
      [false, true, 'xterm', 'plain'],
      [true, false, 'xterm', 'plain'],
      [false, false, 'xterm', 'plain'],
    ];
    for (const [stdoutTty, progressTty, term, want] of table) assert.equal(displayMode({ stdoutTty, progressTty, term }), want, JSON.stringify([stdoutTty, progressTty, term]));
  });
});
