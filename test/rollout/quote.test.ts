// Quoting is checked against a real sh: whatever we quote must come back byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { RelupError } from '../../src/errors.js';
import { shJoin, shQuote, shScript } from '../../src/rollout/quote.js';

const nasty = ['plain', '', "it's", 'a b', '$(id)', '`id`', '"; rm -rf /; "', 'back\\slash', 'new\nline', '*', '~root', '-n', "''", '!event', 'tab\there', 'ü€'];

describe('shell quoting', () => {
  it('leaves safe words bare and quotes everything else', () => {
    assert.equal(shQuote('/usr/lib/emqx'), '/usr/lib/emqx');
    assert.equal(shQuote('5.0.1+build.2'), '5.0.1+build.2');
    assert.equal(shQuote("it's"), `'it'\\''s'`);
    assert.equal(shQuote(''), `''`);
  });

  it('round-trips hostile words through sh', () => {
    const out = execFileSync('sh', ['-c', `for a in ${shJoin(nasty)}; do printf '%s\\0' "$a"; done`], { encoding: 'utf8' });
    assert.deepEqual(out.split('\0').slice(0, -1), nasty);
  });

  it('passes script arguments only as positional parameters', () => {
    const cmd = shScript('printf "%s|" "$@"', nasty);
    const out = execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
    assert.equal(out, nasty.map((s) => `${s}|`).join(''));
  });

  it('refuses a NUL byte', () => {
    assert.throws(() => shQuote('a\0b'), (e: unknown) => e instanceof RelupError && e.code === 'USAGE');
  });
});
