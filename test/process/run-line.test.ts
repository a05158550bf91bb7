// The detached run's last line (process/run-line.ts): what the host prints is what the rollout
// reads back, whatever log lines come before it; a line of another run, or one that only looks
// like a run line, is never taken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRunLine, parseRunLine, type RunLine } from '../../src/process/run-line.js';

test('run line: every state round-trips, with the status read after a hot upgrade', () => {
  const lines: RunLine[] = [
    { id: 'r1', state: 'ended', exitCode: 0, after: { releases: [{ version: '5.0.1', status: 'permanent' }] } },
    { id: 'r1', state: 'ended', exitCode: 75 },
    { id: 'r1', state: 'not-started' },
    { id: 'r1', state: 'vanished' },
    { id: 'r1', state: 'running' },
  ];
  for (const l of lines) assert.deepEqual(parseRunLine(`log line\n{"run": not json\n${formatRunLine(l)}\n`, 'r1'), l);
});

test('run line: the last one of this run wins; another run, a malformed or a missing line is none', () => {
  const out = [formatRunLine({ id: 'r1', state: 'running' }), formatRunLine({ id: 'r1', state: 'ended', exitCode: 3 }), formatRunLine({ id: 'other', state: 'vanished' })].join('\n');
  assert.deepEqual(parseRunLine(out, 'r1'), { id: 'r1', state: 'ended', exitCode: 3 });
  assert.equal(parseRunLine(formatRunLine({ id: 'other', state: 'vanished' }), 'r1'), null);
  assert.equal(parseRunLine('{"run":{"id":"r1","state":"ended","exitCode":"0"}}', 'r1'), null, 'an exit status that is no number');
  assert.equal(parseRunLine('{"run":{"id":"r1","state":"exploded"}}', 'r1'), null);
  assert.equal(parseRunLine('', 'r1'), null);
});
