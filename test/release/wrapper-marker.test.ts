// Recognising this wrapper by the marker in its first bytes: the real builds carry it, EMQX-style
// runners do not, and a runner that cannot be read (missing, a FIFO, a directory) is not the wrapper:
// false, never an error (a FIFO used to throw ESPIPE).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { hasMarker, headHasMarker, WRAPPER_MARKER } from '../../src/release/wrapper-marker.js';
import { repoRoot } from '../helpers/fake-root.js';
import { tempDir } from '../helpers/support.js';

test('hasMarker looks at the first 512 bytes only', () => {
  const at = (offset: number) => Buffer.concat([Buffer.alloc(offset, 0x20), Buffer.from(WRAPPER_MARKER), Buffer.alloc(100, 0x20)]);
  assert.ok(hasMarker(at(0)));
  assert.ok(hasMarker(at(512 - WRAPPER_MARKER.length)));
  assert.ok(!hasMarker(at(512 - WRAPPER_MARKER.length + 1)), 'cut by the 512-byte head');
  assert.ok(!hasMarker(Buffer.from('#!/bin/sh\n# emqx runner\n')));
  assert.ok(!hasMarker(Buffer.alloc(0)));
});

test('the wrapper builds carry the marker; an EMQX-style runner, or anything unreadable, does not', async (t) => {
  assert.ok(await headHasMarker(path.join(repoRoot, 'bin', 'emqx')), 'bin/emqx');
  assert.ok(await headHasMarker(path.join(repoRoot, 'dist', 'emqx.cjs')), 'dist/emqx.cjs, the one-file build a release carries');
  const dir = tempDir(t);
  const runner = path.join(dir, 'emqx');
  fs.writeFileSync(runner, `#!/usr/bin/env bash\n# the release's runner\n${'x'.repeat(600)}\n# ${WRAPPER_MARKER} far below the head\n`);
  assert.equal(await headHasMarker(runner), false);
  assert.equal(await headHasMarker(path.join(dir, 'missing')), false);
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  assert.equal(await headHasMarker(fifo), false, 'a FIFO is read without waiting for a writer');
  assert.equal(await headHasMarker(dir), false, 'a directory');
});
