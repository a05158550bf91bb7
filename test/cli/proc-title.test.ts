import { test } from 'node:test';
import assert from 'node:assert/strict';
import { titleWithoutRoot } from '../../src/cli/proc-title.js';

test('titleWithoutRoot drops the root words before --, and only them', () => {
  const cases: Array<[string[], string | null]> = [
    [['--root', '/opt/emqx', 'upgrade', '5.0.1'], 'emqx upgrade 5.0.1'],
    [['upgrade', '5.0.1', '--root', '/opt/emqx', '--no-permanent'], 'emqx upgrade 5.0.1 --no-permanent'],
    [['--root=/opt/emqx', 'ping'], 'emqx ping'],
    [['ctl', '--', '--root', '/x'], null],
    [['--root', '/a', 'ctl', '--', '--root', '/x'], 'emqx ctl -- --root /x'],
    [['upgrade', '5.0.1'], null],
    [['--root'], 'emqx'],
  ];
  for (const [argv, want] of cases) assert.equal(titleWithoutRoot(argv), want, argv.join(' '));
});
