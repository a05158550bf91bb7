import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RelupError } from '../../src/errors.js';
import { defaultStatePath, loadState, newState, saveState, stateWriter } from '../../src/rollout/state.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-state-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const ident = { package: 'emqx-5.0.1.tar.gz', sha256: 'f'.repeat(64), target: '5.0.1', downgrade: false };

describe('rollout state', () => {
  it('is named after the package in the current directory', () => {
    assert.equal(defaultStatePath('/x/emqx-5.0.1-el8-amd64.tar.gz', false, '/w'), '/w/emqx-5.0.1-el8-amd64.rollout.json');
    assert.equal(defaultStatePath('emqx-5.0.1.tar.gz', true, '/w'), '/w/emqx-5.0.1.downgrade.rollout.json');
  });

  it('round-trips, and is replaced atomically with no temp file left', async () => {
    const file = path.join(dir, 'a.json');
    assert.equal(await loadState(file, ident), null);
    const s = newState(ident);
    const w = stateWriter(file, s);
    await Promise.all([w.set('h1', { root: '/r', status: 'done', from: '5.0.0' }), w.set('h2', { root: '/r', status: 'upgrading', from: '5.0.0' })]);
    const back = await loadState(file, ident);
    assert.equal(back!.hosts.h1!.status, 'done');
    assert.equal(back!.hosts.h2!.status, 'upgrading');
    assert.deepEqual(fs.readdirSync(dir), ['a.json']);
  });

  it('refuses the state of another rollout or a foreign file', async () => {
    const file = path.join(dir, 'b.json');
    await saveState(file, newState(ident));
    for (const other of [{ ...ident, sha256: 'e'.repeat(64) }, { ...ident, target: '5.0.2' }, { ...ident, downgrade: true }]) {
      await assert.rejects(loadState(file, other), (e: unknown) => e instanceof RelupError && e.code === 'CONFIG' && e.exitCode === 78 && /belongs to another rollout.*pass --state/.test(e.line));
    }
    fs.writeFileSync(path.join(dir, 'c.json'), '{"hello": 1}');
    await assert.rejects(loadState(path.join(dir, 'c.json'), ident), /not an emqx-relup rollout state/);
    fs.writeFileSync(path.join(dir, 'd.json'), '{');
    await assert.rejects(loadState(path.join(dir, 'd.json'), ident), /not valid JSON/);
  });

  it('reports a state file in a missing directory as NOT_FOUND (66)', async () => {
    const file = path.join(dir, 'missing-dir', 'e.json');
    await assert.rejects(saveState(file, newState(ident)), (e: unknown) => e instanceof RelupError && e.exitCode === 66);
  });
});
