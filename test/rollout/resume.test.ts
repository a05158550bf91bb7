// The pure verdict on a state file left by an earlier run, against what preflight sees now.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RelupError } from '../../src/errors.js';
import type { HostRecordStatus } from '../../src/rollout/plan.js';
import { decideResume, describeResume, stateMismatches, type SeenHost } from '../../src/rollout/resume.js';
import { newState, type RolloutState } from '../../src/rollout/state.js';

const FILE = '/w/emqx-5.0.1.rollout.json';

/** A state recording `spec` ("h1=done h2=failed"), every host at /opt/<host>. */
function state(spec: string): RolloutState {
  const s = newState({ package: 'emqx-5.0.1.tar.gz', sha256: 'f'.repeat(64), target: '5.0.1', downgrade: false }, new Date('2026-01-02T03:04:05Z'));
  for (const item of spec.split(' ').filter(Boolean)) {
    const [dest, status] = item.split('=') as [string, HostRecordStatus];
    s.hosts[dest] = { root: `/opt/${dest}`, status, from: '5.0.0', at: '2026-01-02T03:04:05Z' };
  }
  return s;
}

/** Hosts as preflight saw them: "h1* h2" (* = at the target). */
function seen(spec: string): SeenHost[] {
  return spec.split(' ').map((s) => {
    const dest = s.replace('*', '');
    return { dest, root: `/opt/${dest}`, running: s.endsWith('*') ? '5.0.1' : '5.0.0', atTarget: s.endsWith('*') };
  });
}

describe('decideResume', () => {
  it('starts a new rollout when there is no state file', () => {
    assert.deepEqual(decideResume(FILE, null, seen('h1 h2')), { kind: 'new' });
  });

  it('replaces the state of a finished rollout, even when the hosts went back since', () => {
    // Upgraded, downgraded, and rolled out again: the old "all done" must not skip the canary.
    const d = decideResume(FILE, state('h1=done h2=done h3=done'), seen('h1 h2 h3'));
    assert.deepEqual(d, { kind: 'replace', startedAt: '2026-01-02T03:04:05.000Z' });
    assert.match(describeResume(d, FILE), /^new rollout: \/w\/emqx-5\.0\.1\.rollout\.json records a finished rollout \(started 2026-01-02T03:04:05\.000Z\), which this one replaces$/);
  });

  it('resumes an unfinished rollout of these hosts and says what it resumes', () => {
    const d = decideResume(FILE, state('h1=done h2=failed h3=pending'), seen('h1* h2* h3'));
    assert.deepEqual(d, { kind: 'resume', startedAt: '2026-01-02T03:04:05.000Z', recorded: { h1: 'done', h2: 'failed', h3: 'pending' } });
    assert.equal(describeResume(d, FILE), `resuming the rollout started 2026-01-02T03:04:05.000Z (state ${FILE}): h1 done, h2 failed, h3 pending`);
    // Hosts at the target from the start were never recorded: that is no mismatch.
    assert.equal(decideResume(FILE, state('h2=done h3=pending'), seen('h1* h2* h3')).kind, 'resume');
  });

  for (const [name, recorded, hosts, want] of [
    ['a done host went back', 'h1=done h2=pending', 'h1 h2', /it records h1 done, but h1 runs 5\.0\.0/],
    ['a recorded host is not in this run', 'h1=done x9=pending', 'h1* h2', /it records x9, which is not in this run's hosts; h2 \(runs 5\.0\.0\) is not in it/],
    ['a host still to do is not recorded', 'h1=done h2=pending', 'h1* h2 h3', /^state file \S+ does not match the hosts: h3 \(runs 5\.0\.0\) is not in it; remove it \(or pass --state NEW_FILE\)/],
  ] as const) {
    it(`refuses a state file that no longer matches the hosts (${name}), with the way out (78)`, () => {
      assert.throws(
        () => decideResume(FILE, state(recorded), seen(hosts)),
        (e: unknown) => e instanceof RelupError && e.code === 'CONFIG' && e.exitCode === 78 && want.test(e.line) && /start a new rollout, canary first; nothing was changed$/.test(e.line),
      );
    });
  }

  it('counts a host recorded at another root as a mismatch', () => {
    const s = state('h1=done h2=pending');
    s.hosts.h2!.root = '/usr/lib/emqx';
    assert.deepEqual(stateMismatches(s, seen('h1* h2')), ['it records h2 at /usr/lib/emqx, this run has /opt/h2']);
  });
});
