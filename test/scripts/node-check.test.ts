// bin/node-check.cjs: its reading of engines.node agrees with semver, and engines.node admits no
// Node that a production dependency's own engines refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { tempDir } from '../helpers/support.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const check = require(path.join(repo, 'bin', 'node-check.cjs')) as {
  range(): string | null;
  satisfies(version: string, range: string): boolean;
  problem(version: string): string | null;
};
const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines: { node: string } };

// Every minor of every major a range of ours could draw a line in, plus patch edges.
const grid: string[] = [];
for (let major = 16; major <= 30; major++) for (let minor = 0; minor <= 25; minor++) grid.push(`${major}.${minor}.0`, `${major}.${minor}.3`);

test('node-check reads engines.node from package.json', () => {
  assert.equal(check.range(), pkg.engines.node);
});

test('node-check agrees with semver on the whole grid', () => {
  const range = pkg.engines.node;
  for (const v of grid) assert.equal(check.satisfies(`v${v}`, range), semver.satisfies(v, range), `${v} in ${range}`);
  assert.equal(check.problem(process.version), null, 'the Node running the tests is supported');
  assert.match(check.problem('v20.18.3') ?? '', /^Node \^20\.19\.0 \|\| .* is needed, this is v20\.18\.3$/);
  assert.throws(() => check.satisfies('v20.19.0', '~20.19'), /unsupported engines form/);
});

test('engines.node admits only Node versions every production dependency accepts', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(repo, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
  };
  const deps = Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.dev && v.engines?.node);
  assert.ok(deps.some(([k]) => k === 'node_modules/yargs'), 'the lock file lists yargs with its engines');
  const ours = grid.filter((v) => semver.satisfies(v, pkg.engines.node));
  for (const [name, { engines }] of deps) {
    const refused = ours.filter((v) => !semver.satisfies(v, engines!.node!));
    assert.deepEqual(refused, [], `${name} wants ${engines!.node}`);
  }
  // And it is the intersection, not narrower: the oldest Node yargs takes is ours too.
  assert.equal(semver.minVersion(pkg.engines.node)?.version, '20.19.0');
});

test('node-check.cjs as a command, and the bins: exit 0 / run on this Node; 1 / 70 and the message on a refused one', (t) => {
  const ok = spawnSync(process.execPath, [path.join(repo, 'bin', 'node-check.cjs'), 'setup'], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stderr, '');
  // A range this Node fails, in a copy of bin/ beside a package.json that says so.
  const dir = tempDir(t, 'relup-node-check-');
  fs.cpSync(path.join(repo, 'bin'), path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ engines: { node: '>=999' } }));
  const bad = spawnSync(process.execPath, [path.join(dir, 'bin', 'node-check.cjs'), 'setup'], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr, `setup: error: Node >=999 is needed, this is ${process.version}\n`);
  // The bins stop before loading dist/ (there is none in this copy).
  for (const prog of ['emqx', 'emqx-relup']) {
    const r = spawnSync(process.execPath, [path.join(dir, 'bin', prog), '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 70, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `${prog}: error: Node >=999 is needed, this is ${process.version}\n`);
  }
});
