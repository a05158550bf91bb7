// The one place errors become printed lines and exit codes: one line (or one JSON object) on
// stderr, the error's own exit status; warnings on stderr, or kept for the JSON document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeReporter, reportError, usageError } from '../../src/cli/report.js';
import { RelupError } from '../../src/errors.js';

/** What `fn` writes to stderr. */
function stderrOf(fn: () => unknown): { written: string; result: unknown } {
  const write = process.stderr.write;
  let written = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    written += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    return { result: fn(), written };
  } finally {
    process.stderr.write = write;
  }
}

test('an error is one line with its hint and its exit status; with --json one object', () => {
  const e = new RelupError('LOCKED', 'another emqx run holds /opt/emqx/.emqx-relup.lock (pid 41)', { hint: 'wait for it to finish', details: { pid: 41 } });
  assert.deepEqual(stderrOf(() => reportError('emqx', e, false)), { result: 75, written: 'emqx: error: another emqx run holds /opt/emqx/.emqx-relup.lock (pid 41); wait for it to finish\n' });
  const j = stderrOf(() => reportError('emqx', e, true));
  assert.equal(j.result, 75);
  assert.ok(j.written.endsWith('}\n') && j.written.split('\n').length === 2);
  assert.deepEqual(JSON.parse(j.written), { error: { code: 'LOCKED', message: 'another emqx run holds /opt/emqx/.emqx-relup.lock (pid 41); wait for it to finish', exitCode: 75, hint: 'wait for it to finish', details: { pid: 41 } } });
});

test('anything else thrown is a bug: INTERNAL, 79, asking for a report', () => {
  const r = stderrOf(() => reportError('emqx-relup pack', new TypeError('x is not a function'), false));
  assert.equal(r.result, 79);
  assert.match(r.written, /^emqx-relup pack: error: internal error: TypeError: x is not a function\n[\s\S]*; report this with the command you ran\n$/);
});

test('usageError: USAGE, 64, with the hint given or a pointer at --help', () => {
  const plain = usageError('no command given');
  assert.deepEqual([plain.code, plain.exitCode, plain.line], ['USAGE', 64, 'no command given; see --help']);
  assert.equal(usageError('--batch needs a value', "see 'emqx-relup rollout --help'").line, "--batch needs a value; see 'emqx-relup rollout --help'");
});

test('warnings: printed at once with the program name, or with --json only kept for the document', () => {
  const text = makeReporter('emqx', false);
  assert.equal(stderrOf(() => text.warn('no nodetool: the node was not pinged')).written, 'emqx: warning: no nodetool: the node was not pinged\n');
  const json = makeReporter('emqx', true);
  assert.equal(stderrOf(() => json.warn('a')).written, '');
  json.warn('b');
  assert.deepEqual([json.json, json.warnings, text.warnings], [true, ['a', 'b'], ['no nodetool: the node was not pinged']]);
});
