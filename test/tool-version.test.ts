// The tool's version has one source, package.json: read from the checkout by the tsc build, and
// inlined into the one-file build, which a release carries far from any package.json.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { toolVersion } from '../src/tool-version.js';
import { bundle, repoRoot } from './helpers/fake-root.js';
import { tempDir } from './helpers/support.js';

const version = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).version as string;

test("the tsc build reads the checkout's package.json", () => {
  assert.equal(toolVersion(), version);
});

test('the one-file build carries the version inlined: a copy as bin/emqx-<v> with no package.json anywhere above it', (t) => {
  const bin = path.join(tempDir(t), 'bin');
  fs.mkdirSync(bin);
  const copy = path.join(bin, 'emqx-5.0.2');
  fs.copyFileSync(bundle, copy);
  const r = spawnSync(process.execPath, [copy, '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
});
