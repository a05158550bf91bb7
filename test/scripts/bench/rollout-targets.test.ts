import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetSizes, jsonLines, rolloutTargets, stagingSpan } from '../../../scripts/bench/rollout-targets.js';
import { evaluate } from '../../../scripts/bench/stats.js';

test('rollout targets: the issue limits at 32 hosts, the smaller sizes as info', () => {
  const { targets, info } = rolloutTargets(fleetSizes(false));
  assert.deepEqual(
    targets.map((t) => [t.id, t.max]),
    [
      ['rollout-vs-floor-32', 1.3],
      ['rollout-vs-ansible-32', 0.5],
      ['preflight-spread', 3],
      ['rss-rollout', 150],
    ],
  );
  assert.deepEqual(
    info.map((t) => [t.id, t.max]),
    [
      ['rollout-vs-floor-1', null],
      ['rollout-vs-ansible-1', null],
      ['rollout-vs-floor-8', null],
      ['rollout-vs-ansible-8', null],
      ['stage-p4', null],
      ['stage-p8', null],
    ],
  );
  const spread = targets.find((t) => t.id === 'preflight-spread');
  assert.ok(spread?.kind === 'ratio');
  assert.deepEqual([spread.project, spread.reference], ['preflight:32', 'preflight:1']);
});

test('rollout targets: a quick run (1 and 8 hosts) shows the ratios at 8 as info, the RSS limit still applies', () => {
  assert.deepEqual(fleetSizes(true), [1, 8]);
  const { targets } = rolloutTargets(fleetSizes(true));
  assert.deepEqual(
    targets.map((t) => [t.label, t.max]),
    [
      ['rollout --batch 1, 8 host(s) / ssh+scp loop', null],
      ['rollout --batch 1, 8 host(s) / ansible-playbook serial: 1', null],
      ['preflight (--dry-run), 8 hosts / 1 host', null],
      ['peak RSS of the rollout, 8 hosts', 150],
    ],
  );
  const row = evaluate(targets[0]!, { 'rollout:8': [1200, 1000, 1100], 'floor:8': [1000, 1000, 1000] });
  assert.equal(row.status, 'info');
  assert.equal(row.value?.median, 1.1);
});

test('stagingSpan: first staging to last staged, hosts counted by staged', () => {
  const ev = jsonLines(
    [
      'not json',
      '{"event":"phase","host":"h1","phase":"preflight","time":"2026-01-01T00:00:00.000Z"}',
      '{"event":"phase","host":"h1","phase":"staging","time":"2026-01-01T00:00:01.000Z"}',
      '{"event":"phase","host":"h2","phase":"staging","time":"2026-01-01T00:00:01.200Z"}',
      '{"event":"phase","host":"h2","phase":"staged","time":"2026-01-01T00:00:01.900Z"}',
      '{"event":"phase","host":"h1","phase":"staged","time":"2026-01-01T00:00:02.500Z"}',
      '{"event":"phase","host":"h1","phase":"plan-check","time":"2026-01-01T00:00:03.000Z"}',
      '{"event":"phase","host":"h1","phase":"sta',
    ].join('\n'),
  );
  assert.equal(ev.length, 6);
  assert.deepEqual(stagingSpan(ev), { ms: 1500, hosts: 2 });
  assert.equal(stagingSpan(ev.filter((e) => e.phase !== 'staged')), null);
  assert.equal(stagingSpan([]), null);
});
