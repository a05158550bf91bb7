// The rollout's yes/no question over plain streams (no terminal needed): only y/yes goes on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { askYesNo, isYes } from '../../src/cli/confirm.js';

function ask(answer: string | null): Promise<{ yes: boolean; shown: string }> {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.setEncoding('utf8').on('data', (d: string) => (shown += d));
  const p = askYesNo(input, output, 'go on? [y/N] ');
  if (answer === null) input.end();
  else input.write(answer);
  return p.then((yes) => ({ yes, shown }));
}

describe('askYesNo', () => {
  it('goes on only on y or yes, any case, spaces ignored', () => {
    const table: [string, boolean][] = [
      ['y', true],
      ['Y', true],
      ['yes', true],
      [' YES ', true],
      ['', false],
      ['n', false],
      ['no', false],
      ['yep', false],
      ['y y', false],
    ];
    for (const [a, want] of table) assert.equal(isYes(a), want, JSON.stringify(a));
  });

  it('shows the question and reads one answer line; end of input is a no', async () => {
    assert.deepEqual(await ask('y\n'), { yes: true, shown: 'go on? [y/N] ' });
    assert.deepEqual(await ask('no\n'), { yes: false, shown: 'go on? [y/N] ' });
    assert.deepEqual(await ask('\n'), { yes: false, shown: 'go on? [y/N] ' });
    assert.equal((await ask(null)).yes, false);
  });
});
