import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { humanProgress, jsonProgress } from '../../src/rollout/progress.js';

function sink(tty: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  Object.assign(s, { isTTY: tty });
  return { stream: s, text: () => out };
}

describe('progress output', () => {
  it('prints one line per change with phase and elapsed time when not a terminal', () => {
    let now = 1000;
    const o = sink(false);
    const p = humanProgress(o.stream, ['alpha', 'b'], { live: false, now: () => now });
    p.phase('alpha', 'preflight');
    now += 65_000;
    p.phase('alpha', 'upgrading', 'canary');
    p.note('settling 5s');
    p.close();
    assert.equal(o.text(), 'alpha  preflight      0s\nalpha  upgrading   1m05s  canary\nsettling 5s\n');
  });

  it('redraws one line per host in place on a terminal', () => {
    const o = sink(true);
    const p = humanProgress(o.stream, ['h1', 'h2'], { live: true, now: () => 0 });
    p.phase('h1', 'staging');
    p.phase('h2', 'staging');
    p.close();
    const t = o.text();
    // ESC [2K clears a line, ESC [2A moves up two: the exact bytes a terminal gets.
    const clear = '\x1b[2K';
    assert.ok(t.startsWith(`${clear}h1    staging        0s\n${clear}h2    waiting          \n`), JSON.stringify(t));
    assert.ok(t.includes(`\x1b[2A${clear}h1    staging        0s\n${clear}h2    staging        0s\n`), JSON.stringify(t));
  });

  it('emits JSON lines with elapsed time per host and the final report', () => {
    let now = 0;
    const o = sink(false);
    const p = jsonProgress(o.stream, () => now);
    p.phase('h1', 'preflight');
    now = 1500;
    p.phase('h1', 'done');
    p.event('report', { ok: true });
    const ev = o.text().trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(ev.map((e) => [e.event, e.host, e.phase, e.elapsedMs]), [['phase', 'h1', 'preflight', 0], ['phase', 'h1', 'done', 1500], ['report', undefined, undefined, undefined]]);
    assert.equal(ev[2].totalMs, 1500);
    assert.equal(ev[2].ok, true);
  });
});
