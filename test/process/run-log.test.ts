// <root>/log/emqx-relup.log: the pure line, and the wrapper as an operator runs it (real
// processes on fake roots with a recording escript stand-in) appending one line per run.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runLogEntry } from '../../src/process/run-log.js';
import type { Plan } from '../../src/plan.js';
import { makeFakeRoot, makePackage, runWrapper, type FakeRoot } from '../helpers/fake-root.js';

function withRoot(t: { after(fn: () => void): void }, opts: Parameters<typeof makeFakeRoot>[0] = {}): FakeRoot {
  const fr = makeFakeRoot(opts);
  t.after(() => fr.cleanup());
  return fr;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON lines, asserted field by field
const logOf = (root: string): Record<string, any>[] => {
  const f = join(root, 'log', 'emqx-relup.log');
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
};

describe('runLogEntry', () => {
  const plan = {
    command: 'upgrade',
    root: '/r',
    currentVersion: '5.0.0',
    targetVersion: '5.0.1',
    newestVersion: '5.0.1',
    package: '/r/releases/emqx-5.0.1.tar.gz',
    exec: { file: '/r/bin/emqx-5.0.1', args: ['upgrade', '5.0.1'], cwd: '/r', env: { EMQX_RELUP_LOCK: 'tok' } },
    emqxVars: null,
    patchesAllowed: [],
  } as unknown as Plan;
  const ctx = { time: new Date('2026-01-02T03:04:05Z'), pid: 7, user: 'emqx', tool: '0.1.0' };
  it('says what ran, from which version to which, and how it ended', () => {
    const table: [Parameters<typeof runLogEntry>[1], string, number | undefined][] = [
      [{ kind: 'handed-over' }, 'handed-over', undefined],
      [{ kind: 'exit', exitCode: 0 }, 'ok', 0],
      [{ kind: 'exit', exitCode: 47 }, 'failed', 47],
    ];
    for (const [outcome, word, exitCode] of table) {
      assert.deepEqual(runLogEntry(plan, outcome, ctx), {
        time: '2026-01-02T03:04:05.000Z',
        pid: 7,
        user: 'emqx',
        tool: '0.1.0',
        command: 'upgrade',
        from: '5.0.0',
        to: '5.0.1',
        scripts: '5.0.1',
        package: '/r/releases/emqx-5.0.1.tar.gz',
        run: ['/r/bin/emqx-5.0.1', 'upgrade', '5.0.1'],
        outcome: word,
        ...(exitCode === undefined ? {} : { exitCode }),
      });
    }
  });
  it('records the emqx_vars lines added (by variable, never their values) and the hot patches gone on with', () => {
    const added = {
      ...plan,
      emqxVars: { file: '/r/releases/emqx_vars', from: 'releases/emqx_vars in p', runner: '5.0.1', why: 'w', lines: [{ names: ['EMQX_LOG_DIR'], line: 15, text: 'export EMQX_LOG_DIR=/secret/path' }] },
      patchesAllowed: ['emqx_cm'],
    } as Plan;
    const e = runLogEntry(added, { kind: 'handed-over' }, ctx);
    assert.deepEqual(e.emqxVarsAdded, { file: '/r/releases/emqx_vars', from: 'releases/emqx_vars in p', variables: ['EMQX_LOG_DIR'] });
    assert.deepEqual(e.patchesAllowed, ['emqx_cm']);
    assert.doesNotMatch(JSON.stringify(e), /secret/);
  });
});

describe('the wrapper appends one line per run to <root>/log/emqx-relup.log', () => {
  it('after the escript returns: its exit status, the command line with the cookie hidden', (t) => {
    const fr = withRoot(t, { version: '5.0.1' });
    assert.equal(runWrapper(['--root', fr.root, 'downgrade', '5.0.0']).status, 0);
    fr.escriptExit(47);
    assert.equal(runWrapper(['--root', fr.root, 'downgrade', '5.0.0']).status, 47);
    const log = logOf(fr.root);
    assert.deepEqual(
      log.map((l) => [l.command, l.from, l.to, l.outcome, l.exitCode, l.pid > 0]),
      [
        ['downgrade', '5.0.1', '5.0.0', 'ok', 0, true],
        ['downgrade', '5.0.1', '5.0.0', 'failed', 47, true],
      ],
    );
    assert.deepEqual(log[0]!.run, [`${fr.root}/erts-13.1.5/bin/escript`, `${fr.root}/bin/install_upgrade.escript-5.0.1`, 'downgrade', `{'emqx', "-name", 'emqx@127.0.0.1', '<cookie>'}`, '5.0.0']);
    assert.doesNotMatch(readFileSync(join(fr.root, 'log', 'emqx-relup.log'), 'utf8'), /'cookie'/);
  });

  it('before a hand-over: one line naming the newer script it hands over to', (t) => {
    const fr = withRoot(t);
    makePackage(join(fr.root, 'releases'), { version: '5.0.1' });
    const r = runWrapper(['--root', fr.root, 'upgrade', '5.0.1']);
    assert.equal(r.status, 0, r.stderr);
    const log = logOf(fr.root);
    assert.equal(log.length, 1, 'the legacy runner handed over to writes none');
    assert.equal(log[0]!.outcome, 'handed-over');
    assert.deepEqual([log[0]!.from, log[0]!.to, log[0]!.run[0]], ['5.0.0', '5.0.1', `${fr.root}/bin/emqx-5.0.1`]);
    assert.match(log[0]!.package, /releases\/emqx-5\.0\.1.*\.tar\.gz$/);
  });

  it('a log that cannot be written is a warning, and the run and its exit status go on', (t) => {
    const fr = withRoot(t, { version: '5.0.1' });
    writeFileSync(join(fr.root, 'log'), 'a file where log/ should be\n');
    fr.escriptExit(3);
    const r = runWrapper(['--root', fr.root, 'downgrade', '5.0.0']);
    assert.equal(r.status, 3);
    assert.match(r.stderr, new RegExp(`^emqx: warning: could not append to ${fr.root}/log/emqx-relup\\.log \\((EEXIST|ENOTDIR)\\); the run is not recorded there$`, 'm'));
    assert.equal(readFileSync(join(fr.root, 'log'), 'utf8'), 'a file where log/ should be\n');
  });

  it('writes nothing for a dry run, a refused run or versions', (t) => {
    const fr = withRoot(t, { version: '5.0.1' });
    mkdirSync(join(fr.root, 'log'));
    assert.equal(runWrapper(['--root', fr.root, '--dry-run', 'downgrade', '5.0.0']).status, 0);
    assert.equal(runWrapper(['--root', fr.root, 'versions']).status, 0);
    writeFileSync(join(fr.root, '.emqx-relup.lock'), `${process.pid} 0123456789abcdef\n`);
    assert.equal(runWrapper(['--root', fr.root, 'downgrade', '5.0.0']).status, 75);
    assert.deepEqual(logOf(fr.root), []);
  });
});
