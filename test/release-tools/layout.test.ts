import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelupError } from '../../src/errors.js';
import { classify, detectLayout, releaseDirOf, repairName } from '../../src/release-tools/layout.js';

describe('layout', () => {
  it('classifies the members pack and inspect care about', () => {
    assert.deepEqual(classify('bin/emqx'), { kind: 'source', script: 'runner' });
    assert.deepEqual(classify('bin/install_upgrade.escript'), { kind: 'source', script: 'escript' });
    assert.deepEqual(classify('bin/emqx-5.0.14-rc.1'), { kind: 'versioned', script: 'runner', version: '5.0.14-rc.1' });
    assert.deepEqual(classify('bin/install_upgrade.escript-5.6.1+patch.A'), { kind: 'versioned', script: 'escript', version: '5.6.1+patch.A' });
    assert.deepEqual(classify('bin/emqx-ctl'), { kind: 'other' });
    assert.deepEqual(classify('bin/emqx_ctl'), { kind: 'other' });
    assert.deepEqual(classify('releases/emqx_vars'), { kind: 'vars' });
    assert.deepEqual(classify('releases/start_erl.data'), { kind: 'start-erl' });
    assert.deepEqual(classify('releases/5.0.1/emqx.rel'), { kind: 'rel', dir: '5.0.1' });
    assert.deepEqual(classify('releases/emqx.rel'), { kind: 'rel', dir: null });
    assert.deepEqual(classify('releases/5.0.1/sys.config'), { kind: 'other' });
    assert.equal(releaseDirOf('releases/5.0.1/'), '5.0.1');
    assert.equal(releaseDirOf('releases/5.0.1/start.boot'), '5.0.1');
    assert.equal(releaseDirOf('releases/emqx_vars'), null);
  });

  it('detects the prefix from the first member', () => {
    assert.deepEqual(detectLayout('bin/', true), { strip: '' });
    assert.deepEqual(detectLayout('lib/kernel-8.5/ebin/kernel.app', false), { strip: '' });
    assert.deepEqual(detectLayout('erts-13.1.5/bin/beam.smp', false), { strip: '' });
    assert.deepEqual(detectLayout('./', true), { strip: './' });
    assert.deepEqual(detectLayout('.', true), { strip: './' });
    assert.deepEqual(detectLayout('./bin/emqx', false), { strip: './' });
    assert.deepEqual(detectLayout('emqx/', true), { strip: 'emqx/' });
    assert.deepEqual(detectLayout('emqx-5.0.1/bin/emqx', false), { strip: 'emqx-5.0.1/' });
    assert.deepEqual(detectLayout('./emqx/', true), { strip: './emqx/' });
    assert.deepEqual(detectLayout('README', false), { strip: '' });
    assert.deepEqual(detectLayout('custom/thing', false), { strip: '' });
  });

  it('repairs names under the prefix and refuses the rest', () => {
    const dot = { strip: './' };
    assert.equal(repairName('./', dot, true), null);
    assert.equal(repairName('./bin/emqx', dot, false), 'bin/emqx');
    const top = { strip: './emqx/' };
    assert.equal(repairName('./', top, true), null);
    assert.equal(repairName('./emqx', top, true), null);
    assert.equal(repairName('./emqx/lib/a', top, false), 'lib/a');
    const none = { strip: '' };
    assert.equal(repairName('bin/emqx', none, false), 'bin/emqx');
    const refused = (name: string, layout: { strip: string }, re: RegExp) =>
      assert.throws(() => repairName(name, layout, false), (e: unknown) => e instanceof RelupError && e.code === 'BAD_PACKAGE' && re.test(e.message));
    refused('lib/a', dot, /mixed layout/);
    refused('./lib/a', none, /mixed '\.\/' prefix/);
    refused('/etc/passwd', none, /absolute/);
    refused('lib/../../x', none, /'\.\.'/);
    refused('./../x', dot, /'\.\.'/);
  });
});
