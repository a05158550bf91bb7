import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { humanProgress, jsonProgress } from '../../src/rollout/progress.js';

function sink(tty: boolean, columns = 100, rows = 20): { stream: NodeJS.WritableStream; text: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  Object.assign(s, { isTTY: tty, columns, rows });
  return { stream: s, text: () => out };
}

const T0 = Date.parse('2026-12-06T01:00:00Z');

describe('progress output', () => {
  it('appends one timestamped line per change, in full, when not live', () => {
    let now = T0;
    const o = sink(false);
    const p = humanProgress(o.stream, ['alpha', 'b'], { live: false, now: () => now });
    p.event('start', { target: '5.0.1', direction: 'upgrade' });
    p.phase('alpha', 'preflight');
    now += 65_000;
    p.phase('alpha', 'upgrading', 'canary');
    p.phase('b', 'failed', `emqx upgrade 5.0.1 failed: ${'e'.repeat(150)}\tend`);
    p.note('settling 5s');
    p.close();
    assert.equal(
      o.text(),
      [
        '2026-12-06T01:00:00Z  rollout upgrade to 5.0.1  0s  2 host(s): 2 waiting',
        '2026-12-06T01:00:00Z  alpha  preflight      0s',
        '2026-12-06T01:01:05Z  alpha  upgrading   1m05s  canary',
        `2026-12-06T01:01:05Z  b      failed         0s  emqx upgrade 5.0.1 failed: ${'e'.repeat(150)} end`,
        '2026-12-06T01:01:05Z  settling 5s',
        '',
      ].join('\n'),
    );
  });

  it('on a terminal that is not live (TERM=dumb) starts each line at column 0, past an echoed ^C', () => {
    const o = sink(true);
    const p = humanProgress(o.stream, ['h1'], { live: false, now: () => T0 });
    p.note('SIGINT: stopping');
    assert.equal(o.text(), '\r2026-12-06T01:00:00Z  SIGINT: stopping\n');
    assert.ok(!o.text().includes('\x1b'));
  });

  it('live: redraws a block of the header and the hosts in progress, cut to the width, and erases it at the end', () => {
    let now = T0;
    const o = sink(true, 40, 20);
    const p = humanProgress(o.stream, ['h1', 'h2', 'h3'], { live: true, now: () => now });
    p.event('start', { target: '5.0.1', direction: 'upgrade' });
    p.phase('h1', 'staging');
    now += 2000;
    p.phase('h2', 'failed', 'x'.repeat(200));
    p.close();
    const frames = o.text().split('\r').filter(Boolean);
    // start, h1, h2, close: four frames, each drawn over the one before.
    assert.equal(frames.length, 4, JSON.stringify(o.text()));
    const csi = new RegExp(`${'\x1b'}\\[[0-9;?]*[A-Za-z]`, 'g');
    const text = (f: string) => f.replace(csi, '').split('\n').filter(Boolean);
    assert.deepEqual(text(frames[1]!), ['rollout upgrade to 5.0.1  0s  3 host...', '  h1    staging        0s']);
    assert.deepEqual(text(frames[2]!), ['rollout upgrade to 5.0.1  2s  3 host...', '  h2    failed         0s  xxxxxxxxx...', '  h1    staging        2s']);
    assert.ok(frames[2]!.startsWith('\x1b[2A'), 'back over the two lines of the frame before');
    assert.equal(frames[3], '\x1b[3A\x1b[2K\x1b[B\x1b[2K\x1b[B\x1b[2K\x1b[2A', 'the last frame only clears: the report follows');
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
