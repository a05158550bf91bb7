// The report a rollout ends with, as text: every host once, each error once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reportText } from '../../src/rollout/report-text.js';
import type { HostReport, RolloutReport } from '../../src/rollout/run.js';

function report(hosts: HostReport[], over: Partial<RolloutReport> = {}): RolloutReport {
  return { ok: false, dryRun: false, interrupted: false, package: '/p/emqx-5.0.1.tar.gz', sha256: 'a'.repeat(64), target: '5.0.1', direction: 'upgrade', state: '/p/state.json', plan: null, resume: null, paused: false, hosts, warnings: [], ...over };
}

const remote = 'release_handler:install_release failed: {error,{enoent,"relup"}}';

describe('the rollout report', () => {
  it('a halt on a terminal: the failed host points at the error line right below, which carries its error; nothing is repeated', () => {
    const r = report(
      [
        { host: 'h1', root: '/r', from: '5.0.0', version: '5.0.1', outcome: 'done' },
        { host: 'h2', root: '/r', from: '5.0.0', version: '5.0.0', outcome: 'failed', error: { code: 'INTERNAL', message: `emqx upgrade 5.0.1 failed (exit 1): ${remote}; see the remote output` }, stdout: 'step 1\n', stderr: `warming up\n${remote}\n` },
        { host: 'h3', root: '/r', from: '5.0.1', version: '5.0.1', outcome: 'at-target' },
        { host: 'h4', root: '/r', from: '5.0.0', version: '5.0.0', outcome: 'staged' },
      ],
      { error: { code: 'ROLLOUT_HALTED', exitCode: 70, host: 'h2', message: `rollout halted at h2: emqx upgrade 5.0.1 failed (exit 1): ${remote}; 2 host(s) done, 1 not upgraded; fix h2 and re-run` } },
    );
    assert.equal(
      reportText(r, { elapsedMs: 65_000, errorBelow: true }),
      [
        'rollout upgrade to 5.0.1: HALTED  1m05s  4 host(s): 1 done, 1 at-target, 1 failed, 1 staged',
        '  h1  5.0.0 -> 5.0.1     done',
        '  h2  5.0.0              failed (see the error below)',
        '      stdout| step 1',
        '      stderr| warming up',
        '  h3  5.0.1              at-target',
        '  h4  5.0.0              staged',
        'state: /p/state.json',
        '',
      ].join('\n'),
    );
    // Going to a file, the report is complete on its own: the error on its host line, all the output.
    const lines = reportText(r).split('\n');
    assert.equal(lines[0], 'rollout upgrade to 5.0.1: HALTED  4 host(s): 1 done, 1 at-target, 1 failed, 1 staged');
    assert.deepEqual(lines.slice(2, 6), [
      `  h2  5.0.0              failed: emqx upgrade 5.0.1 failed (exit 1): ${remote}; see the remote output`,
      '      stdout| step 1',
      '      stderr| warming up',
      `      stderr| ${remote}`,
    ]);
  });

  it('failures the error line does not carry are shown in full on their host line, with escapes made inert', () => {
    const r = report(
      [
        { host: 'a', root: '/r', from: null, version: null, outcome: 'untouched', error: { code: 'UNREACHABLE', message: 'cannot reach the host over SSH (Connection refused); check the host name' } },
        { host: 'b', root: '/r', from: null, version: null, outcome: 'untouched', error: { code: 'NOT_FOUND', message: 'release root /r does not exist' }, stderr: 'oops \x1b[2J\n' },
      ],
      { error: { code: 'UNREACHABLE', exitCode: 69, host: 'a', message: 'preflight failed, no host was touched: a: cannot reach the host over SSH (Connection refused) (and 1 more host(s) failed preflight); check the host name' } },
    );
    const lines = reportText(r, { errorBelow: true }).split('\n');
    assert.equal(lines[1], '  a  ?                  untouched (see the error below)');
    assert.equal(lines[2], '  b  ?                  untouched: release root /r does not exist');
    assert.equal(lines[3], '      stderr| oops ^[[2J');
  });

  it('after --on-failure: the verdict says how it ended, and each host taken back says how, under its line', () => {
    const hosts: HostReport[] = [
      { host: 'h1', root: '/r', from: '5.0.0', version: '5.0.0', outcome: 'rolled-back', rollback: { to: '5.0.0', outcome: 'rolled-back', how: 'emqx downgrade 5.0.0 (with the 5.0.1 scripts), gate passed on 5.0.0' } },
      { host: 'h2', root: '/r', from: '5.0.0', version: '5.0.1', outcome: 'failed', error: { code: 'ROLLOUT_HALTED', message: 'health gate: --check exited 1' }, rollback: { to: '5.0.0', outcome: 'failed', how: 'emqx downgrade 5.0.0 (with the 5.0.1 scripts) failed: exit 3 \x1b[31m' } },
    ];
    for (const [code, verdict] of [
      ['ROLLED_BACK', 'ROLLED BACK'],
      ['ROLLBACK_FAILED', 'HALTED, ROLLBACK FAILED'],
    ] as const) {
      const lines = reportText(report(hosts, { error: { code, exitCode: code === 'ROLLED_BACK' ? 71 : 70, host: 'h2', message: 'rollout stopped at h2' } })).split('\n');
      assert.equal(lines[0], `rollout upgrade to 5.0.1: ${verdict}  2 host(s): 1 failed, 1 rolled-back`);
      assert.deepEqual(lines.slice(1, 5), [
        '  h1  5.0.0              rolled-back',
        '      rollback to 5.0.0: emqx downgrade 5.0.0 (with the 5.0.1 scripts), gate passed on 5.0.0',
        '  h2  5.0.0 -> 5.0.1     failed: health gate: --check exited 1',
        '      rollback to 5.0.0: emqx downgrade 5.0.0 (with the 5.0.1 scripts) failed: exit 3 ^[[31m',
      ]);
    }
  });

  it('a dry run lists the plan', () => {
    const r = report([{ host: 'h1', root: '/r', from: '5.0.0', version: '5.0.0', outcome: 'untouched' }, { host: 'h2', root: '/r', from: '5.0.1', version: '5.0.1', outcome: 'at-target' }], {
      dryRun: true,
      ok: true,
      state: null,
      plan: { skip: ['h2'], batches: [['h1']], canary: true, regate: [] },
    });
    assert.equal(
      reportText(r),
      ['rollout upgrade to 5.0.1: plan (dry run, nothing changed)  2 host(s): 1 at-target, 1 untouched', '  canary : h1', '  skip (already at 5.0.1): h2', '  h1  5.0.0              untouched', '  h2  5.0.1              at-target', ''].join('\n'),
    );
  });
});
