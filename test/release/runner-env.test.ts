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
