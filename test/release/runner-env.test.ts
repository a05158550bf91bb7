import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EKKA_ERL_FLAGS, runnerVars, withRunnerEnv } from '../../src/release/index.js';

const facts = { root: '/opt/emqx', relVsn: '5.0.0', edition: 'enterprise' as const, hasEkka: true };

test('runnerVars: RUNNER_ROOT_DIR, REL_VSN (installed), IS_ENTERPRISE and ekka ERL_FLAGS', () => {
  assert.deepEqual(runnerVars(facts), { RUNNER_ROOT_DIR: '/opt/emqx', REL_VSN: '5.0.0', IS_ENTERPRISE: 'yes', ERL_FLAGS: EKKA_ERL_FLAGS });
  assert.deepEqual(runnerVars({ ...facts, edition: 'community', hasEkka: false }), { RUNNER_ROOT_DIR: '/opt/emqx', REL_VSN: '5.0.0', IS_ENTERPRISE: 'no' });
});

test('withRunnerEnv: keeps the inherited environment, overrides a stale REL_VSN, merges ERL_FLAGS', () => {
  const env = withRunnerEnv({ PATH: '/bin', REL_VSN: '9.9.9', ERL_FLAGS: '-kernel net_ticktime 10' }, runnerVars(facts));
  assert.equal(env.PATH, '/bin');
  assert.equal(env.RUNNER_ROOT_DIR, '/opt/emqx');
  assert.equal(env.REL_VSN, '5.0.0');
  assert.equal(env.IS_ENTERPRISE, 'yes');
  assert.equal(env.ERL_FLAGS, `-kernel net_ticktime 10 ${EKKA_ERL_FLAGS}`);
  // Without ekka the operator's ERL_FLAGS passes through untouched.
  assert.equal(withRunnerEnv({ ERL_FLAGS: '-x' }, runnerVars({ ...facts, hasEkka: false })).ERL_FLAGS, '-x');
  assert.equal(withRunnerEnv({}, runnerVars(facts)).ERL_FLAGS, EKKA_ERL_FLAGS);
});

test('withRunnerEnv: ERL_FLAGS merge with what the operator set, case by case', () => {
  const ekka = runnerVars(facts);
  const plain = runnerVars({ ...facts, hasEkka: false });
  const cases: [string, NodeJS.ProcessEnv, Record<string, string>, string | undefined][] = [
    // name, inherited environment, added variables, ERL_FLAGS the child gets
    ['operator flags first, ekka after', { ERL_FLAGS: '-kernel net_ticktime 10' }, ekka, `-kernel net_ticktime 10 ${EKKA_ERL_FLAGS}`],
    ['several operator flags kept verbatim', { ERL_FLAGS: '-kernel inet_dist_listen_min 4370  -proto_dist inet_tls' }, ekka, `-kernel inet_dist_listen_min 4370  -proto_dist inet_tls ${EKKA_ERL_FLAGS}`],
    ['an empty operator value adds no stray space', { ERL_FLAGS: '' }, ekka, EKKA_ERL_FLAGS],
    ['none set: ekka alone', {}, ekka, EKKA_ERL_FLAGS],
    ['no ekka: the operator value untouched', { ERL_FLAGS: '-x' }, plain, '-x'],
    ['no ekka, an empty operator value stays empty', { ERL_FLAGS: '' }, plain, ''],
    ['no ekka, none set: none added', {}, plain, undefined],
    // A hand-over plan adds no ERL_FLAGS: the newer wrapper merges them itself, from the operator's value.
    ['hand-over variables: the operator value untouched', { ERL_FLAGS: '-x' }, { EMQX_ROOT: '/opt/emqx', EMQX_RELUP_HOPS: '1' }, '-x'],
  ];
  for (const [name, base, vars, want] of cases) {
    const env = withRunnerEnv(base, vars);
    assert.equal(env.ERL_FLAGS, want, name);
    assert.equal('ERL_FLAGS' in env, want !== undefined, `${name}: no ERL_FLAGS key made up`);
  }
});
