import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codeExit, fromFsError, RelupError, toRelupError } from '../src/errors.js';

// The dry run's access(W_OK) errors go through the same mapping as a real write's.
test('fs errors map to the documented exit codes: EACCES/EPERM 77, EROFS/ENOSPC 73, ENOENT 66', () => {
  const code = (errno: string) => {
    const e = fromFsError(Object.assign(new Error(errno), { code: errno }), '/opt/emqx/bin', 'checking');
    return [e.code, e.exitCode];
  };
  assert.deepEqual(code('EACCES'), ['PERMISSION', 77]);
  assert.deepEqual(code('EPERM'), ['PERMISSION', 77]);
  assert.deepEqual(code('EROFS'), ['CANNOT_WRITE', 73]);
  assert.deepEqual(code('ENOSPC'), ['CANNOT_WRITE', 73]);
  assert.deepEqual(code('ENOENT'), ['NOT_FOUND', 66]);
  assert.match(fromFsError({ code: 'EROFS' }, '/opt/emqx/bin', 'x').line, /^cannot write \/opt\/emqx\/bin: read-only file system \(EROFS.*; remount it read-write/);
});

test('a bug is INTERNAL, 79: an exit code of its own, apart from a halted rollout (70)', () => {
  const crash = toRelupError(new TypeError("Cannot read properties of undefined (reading 'x')"));
  assert.equal(crash.code, 'INTERNAL');
  assert.equal(crash.exitCode, 79);
  assert.match(crash.line, /^internal error: TypeError: Cannot read properties.*; report this with the command you ran$/s);
  const odd = fromFsError({ code: 'EIO', message: 'i/o error' }, '/opt/emqx/bin', 'reading');
  assert.deepEqual([odd.code, odd.exitCode], ['INTERNAL', 79]);
  assert.notEqual(new RelupError('ROLLOUT_HALTED', 'halted').exitCode, crash.exitCode);
  // No operator-fixable failure shares the bug's exit code.
  assert.deepEqual(Object.entries(codeExit).filter(([, exit]) => exit === 79).map(([code]) => code), ['INTERNAL']);
});

test('toRelupError keeps our own error as it is', () => {
  const ours = new RelupError('LOCKED', 'locked by pid 7', { hint: 'wait' });
  assert.equal(toRelupError(ours), ours);
});
