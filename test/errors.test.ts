import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromFsError } from '../src/errors.js';

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
