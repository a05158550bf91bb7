import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRelFile, parseStartErlData, varsLiterals } from '../../src/release-tools/release-facts.js';

describe('release facts', () => {
  it('reads the head of a .rel file, comments and layout aside', () => {
    assert.deepEqual(parseRelFile('releases/5.0.1/emqx.rel', '%% generated\n{release,\n  {"emqx","5.0.1"},\n  {erts, "12.3.2"},\n  [{kernel,"8.3"}]}.\n'), {
      path: 'releases/5.0.1/emqx.rel',
      name: 'emqx',
      version: '5.0.1',
      erts: '12.3.2',
    });
    assert.equal(parseRelFile('x.rel', '{application, emqx, []}.'), null);
    assert.equal(parseRelFile('x.rel', ''), null);
  });

  it('reads a .rel as the whole Erlang term: a torn or trailing-garbage file is no .rel', () => {
    const head = '{release,{"emqx","5.0.1"},{erts,"13.1"},[{kernel,"8.5"}]}';
    assert.equal(parseRelFile('x.rel', `${head}.`)?.version, '5.0.1');
    assert.equal(parseRelFile('x.rel', head), null, 'no final dot: cut short');
    assert.equal(parseRelFile('x.rel', '{release,{"emqx","5.0.1"},{erts,"13.1"},[{kernel,'), null);
    assert.equal(parseRelFile('x.rel', `${head}. {more}.`), null);
    // A string split in two literals is one string, as the pretty printer writes long ones.
    assert.equal(parseRelFile('x.rel', '{release,{"emqx","5.0" ".1"},{erts,"13.1"},[]}.')?.version, '5.0.1');
  });

  it('keeps the emqx_vars values known without running anything, the last one winning', () => {
    const v = varsLiterals(
      [
        '# comment',
        'REL_VSN="5.0.0"',
        "REL_NAME='emqx'",
        'export IS_ENTERPRISE=yes # trailing',
        'RUNNER_ROOT_DIR="$RUNNER_ROOT_DIR"',
        'BUILT_BY="$(whoami)"',
        'EMQX_DESCRIPTION="EMQX Enterprise"',
        'REL_VSN="5.0.1"',
        'broken line',
      ].join('\n'),
    );
    assert.equal(v.get('REL_VSN'), '5.0.1');
    assert.equal(v.get('REL_NAME'), 'emqx');
    assert.equal(v.get('IS_ENTERPRISE'), 'yes');
    assert.equal(v.get('EMQX_DESCRIPTION'), 'EMQX Enterprise');
    assert.equal(v.get('RUNNER_ROOT_DIR'), '', 'expanded from an empty environment');
    assert.equal(v.has('BUILT_BY'), false, 'a command substitution is not a known value');
  });

  it('reads start_erl.data', () => {
    assert.deepEqual(parseStartErlData('12.3.2 5.0.1\n'), { erts: '12.3.2', version: '5.0.1' });
    assert.equal(parseStartErlData('5.0.1'), null);
  });
});
