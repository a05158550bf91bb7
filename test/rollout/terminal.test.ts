// The exact bytes the live block sends a terminal. test/rollout/display-tmux.test.ts shows what a
// real terminal makes of them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { liveBlock } from '../../src/rollout/terminal.js';

function tty(columns = 100, rows = 20): { stream: NodeJS.WriteStream; take: () => string } {
  const s = new PassThrough();
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  Object.assign(s, { isTTY: true, columns, rows });
  return {
    stream: s as unknown as NodeJS.WriteStream,
    take: () => {
      const t = out;
      out = '';
      return t;
    },
  };
}

// Readable names for the escape sequences.
const UP = (n: number) => `\x1b[${n}A`;
const EOL = '\x1b[K';
const WRAP_OFF = '\x1b[?7l';
const WRAP_ON = '\x1b[?7h';
const CLEAR_ROW = '\x1b[2K';
const DOWN = '\x1b[B';

describe('terminal: the live block', () => {
  it('draws below the cursor, then goes back up exactly as many rows to redraw in place', () => {
    const t = tty();
    const b = liveBlock(t.stream);
    b.draw(['head', '  a']);
    assert.equal(t.take(), `\r${WRAP_OFF}head${EOL}\n  a${EOL}\n${WRAP_ON}`);
    b.draw(['head 2', '  b']);
    assert.equal(t.take(), `\r${UP(2)}${WRAP_OFF}head 2${EOL}\n  b${EOL}\n${WRAP_ON}`);
  });

  it('clears the rows a shorter frame no longer uses, one by one, and comes back; never erases the display', () => {
    const t = tty();
    const b = liveBlock(t.stream);
    b.draw(['h', '1', '2', '3']);
    t.take();
    b.draw(['h']);
    assert.equal(t.take(), `\r${UP(4)}${WRAP_OFF}h${EOL}\n${WRAP_ON}${CLEAR_ROW}${DOWN}${CLEAR_ROW}${DOWN}${CLEAR_ROW}${UP(2)}`);
    b.clear();
    assert.equal(t.take(), `\r${UP(1)}${CLEAR_ROW}`);
    b.clear();
    assert.equal(t.take(), '\r', 'nothing drawn, nothing to clear');
  });

  it('prints a lasting line where the block was and draws the block again below it', () => {
    const t = tty();
    const b = liveBlock(t.stream);
    b.draw(['h', '1']);
    t.take();
    b.print('SIGINT: stopping');
    // \r first: the ^C the terminal echoed has moved the cursor off column 0.
    assert.equal(t.take(), `\r${UP(2)}SIGINT: stopping${EOL}\n${WRAP_OFF}h${EOL}\n1${EOL}\n${WRAP_ON}`);
    b.draw(['h']);
    assert.equal(t.take(), `\r${UP(2)}${WRAP_OFF}h${EOL}\n${WRAP_ON}${CLEAR_ROW}`, 'only the block is redrawn, the printed line stays');
  });

  it('after the terminal is narrowed, goes up the rows the old lines were re-wrapped onto', () => {
    const t = tty(100);
    const b = liveBlock(t.stream);
    b.draw(['x'.repeat(99), 'y'.repeat(10)]);
    t.take();
    Object.assign(t.stream, { columns: 40 });
    b.draw(['z']);
    // 99 columns on a 40-column terminal: 3 rows, plus 1.
    assert.ok(t.take().startsWith(`\r${UP(4)}`));
  });
});
