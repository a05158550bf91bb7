// prepare(): where the escript that acts comes from, decided on real release roots (temp dirs).
// The rule under test (README "How the decision is made", last paragraph): when the versioned
// escript of the installed version is missing and no package of it is left, the plain
// bin/install_upgrade.escript of the installed release is used, with a warning; in every other
// case a missing script is NOT_FOUND (66).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepare, type RelupRequest } from '../src/apply.js';
import { RelupError } from '../src/errors.js';
import { makeFakeRoot, makePackage, runWrapper, type FakeRoot } from './helpers/fake-root.js';

function request(fr: FakeRoot, over: Partial<RelupRequest> & { warnings?: string[] } = {}): RelupRequest {
  const warnings = over.warnings ?? [];
  return {
    command: 'versions',
    target: null,
    passArgs: [],
    rootFlag: fr.root,
    packageFlag: null,
    requireChecksum: false,
    json: false,
    invoked: join(fr.root, 'bin', 'emqx'),
    cwd: fr.root,
    env: {},
    warn: (m) => warnings.push(m),
    ...over,
  };
}

interface Row {
  name: string;
  /** Installed version (REL_VSN). */
  installed: string;
  command: RelupRequest['command'];
  target: string | null;
  /** The wrapper runs as bin/emqx-<self> instead of bin/emqx. */
  self?: string;
  /** Setup on top of a root without versioned scripts. */
  setup?: (fr: FakeRoot) => void;
  /** The escript file of the plan, relative to the root, or the error code. */
  want: { escript: string; warns: boolean } | { code: string };
}

const rows: Row[] = [
  { name: 'versions, nothing but the plain escript', installed: '5.0.0', command: 'versions', target: null, want: { escript: 'bin/install_upgrade.escript', warns: true } },
  { name: 'downgrade from the installed (newest) version', installed: '5.0.1', command: 'downgrade', target: '5.0.0', want: { escript: 'bin/install_upgrade.escript', warns: true } },
  {
    name: 'only the versioned escript is missing (bin/emqx-<v> still there)',
    installed: '5.0.0',
    command: 'versions',
    target: null,
    setup: (fr) => writeFileSync(join(fr.root, 'bin', 'emqx-5.0.0'), '#!/bin/sh\n', { mode: 0o755 }),
    want: { escript: 'bin/install_upgrade.escript', warns: true },
  },
  {
    name: 'a package of the installed version is left: its scripts, not the plain one',
    installed: '5.0.0',
    command: 'versions',
    target: null,
    setup: (fr) => makePackage(join(fr.root, 'releases'), { version: '5.0.0' }),
    want: { escript: 'bin/install_upgrade.escript-5.0.0', warns: false },
  },
  {
    name: 'the plain escript is empty',
    installed: '5.0.0',
    command: 'versions',
    target: null,
    setup: (fr) => writeFileSync(join(fr.root, 'bin', 'install_upgrade.escript'), ''),
    want: { code: 'NOT_FOUND' },
  },
  {
    name: 'the plain escript is missing too',
    installed: '5.0.0',
    command: 'versions',
    target: null,
    setup: (fr) => rmSync(join(fr.root, 'bin', 'install_upgrade.escript')),
    want: { code: 'NOT_FOUND' },
  },
  // The plain escript is the installed release's: never a stand-in for a newer version's.
  { name: 'upgrade to a newer version without its package', installed: '5.0.0', command: 'upgrade', target: '5.0.1', want: { code: 'NOT_FOUND' } },
  {
    name: 'running as emqx-5.0.1 while 5.0.0 is installed',
    installed: '5.0.0',
    command: 'install',
    target: '5.0.1',
    self: '5.0.1',
    setup: (fr) => writeFileSync(join(fr.root, 'bin', 'emqx-5.0.1'), '#!/bin/sh\n', { mode: 0o755 }),
    want: { code: 'NOT_FOUND' },
  },
  {
    // REL_VSN is newest here, but a hand-over is due: the plain escript would never be the one run.
    name: 'running as emqx-5.0.1, 5.0.2 installed, target 5.0.2: a hand-over without scripts',
    installed: '5.0.2',
    command: 'install',
    target: '5.0.2',
    self: '5.0.1',
    setup: (fr) => writeFileSync(join(fr.root, 'bin', 'emqx-5.0.1'), '#!/bin/sh\n', { mode: 0o755 }),
    want: { code: 'NOT_FOUND' },
  },
];

for (const row of rows) {
  test(`escript source: ${row.name}`, async (t) => {
    const fr = makeFakeRoot({ version: row.installed, versionedScripts: false });
    t.after(() => fr.cleanup());
    row.setup?.(fr);
    const warnings: string[] = [];
    const req = request(fr, {
      command: row.command,
      target: row.target,
      warnings,
      ...(row.self ? { invoked: join(fr.root, 'bin', `emqx-${row.self}`) } : {}),
    });
    if ('code' in row.want) {
      const code = row.want.code;
      await assert.rejects(prepare(req), (e: unknown) => e instanceof RelupError && e.code === code && e.exitCode === 66 && /no package of version/.test(e.message));
      assert.deepEqual(warnings.filter((w) => w.includes('using bin/install_upgrade.escript')), []);
      return;
    }
    const p = await prepare(req);
    assert.equal(p.plan.action, 'run-escript');
    assert.equal(p.plan.exec.args[0], `${fr.root}/${row.want.escript}`);
    const fallbackWarning = warnings.filter((w) => w.includes(`using bin/install_upgrade.escript of the installed ${row.installed}`));
    assert.equal(fallbackWarning.length, row.want.warns ? 1 : 0, warnings.join('\n'));
    if (row.want.warns) {
      assert.match(fallbackWarning[0]!, new RegExp(`bin/install_upgrade\\.escript-${row.installed.replace(/\./g, '\\.')} is missing and no package of`));
      assert.equal(p.pkg, null, 'nothing to extract');
      assert.deepEqual(p.plan.extract, []);
    }
  });
}

test('the plain escript really runs: bin/emqx versions on a root without versioned scripts', (t) => {
  const fr = makeFakeRoot({ versionedScripts: false });
  t.after(() => fr.cleanup());
  const r = runWrapper(['--root', fr.root, 'versions']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /install_upgrade\.escript-5\.0\.0 is missing and no package of 5\.0\.0 is in releases\/; using bin\/install_upgrade\.escript of the installed 5\.0\.0/);
  const esc = fr.calls().filter((c) => c.prog === 'escript' && Array.isArray(c.args) && !String(c.args[0]).endsWith('nodetool'));
  assert.equal(esc.length, 1);
  assert.deepEqual(esc[0]!.args, [`${fr.root}/bin/install_upgrade.escript`, 'versions', `{'emqx', "-name", 'emqx@127.0.0.1', 'cookie'}`]);
});
