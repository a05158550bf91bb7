// Puts the live block on a terminal: a few lines kept below everything printed so far, redrawn
// in place. Each frame moves the cursor back to the block's first row and overwrites it, so the
// block never reaches the scrollback; only what print() writes stays there.
//
// No "erase display" (ESC [J): tmux (scroll-on-clear, on by default since 3.3) and some other
// terminals push the whole screen into the history when it is erased from the top-left corner,
// which is where a block that has scrolled to the top starts. Rows are cleared one by one instead.

export interface LiveBlock {
  /** Replaces the block with these lines (each narrower than the terminal, fewer than its rows). */
  draw(lines: string[]): void;
  /** Writes one line of text above the block, where it stays; the block is drawn again below it. */
  print(text: string): void;
  /** Removes the block; the cursor is left where the block began. */
  clear(): void;
}

const CSI = '\x1b[';

export function liveBlock(out: NodeJS.WriteStream): LiveBlock {
  let shown: string[] = [];
  // A terminal narrowed since the last frame has re-wrapped those lines onto more rows.
  const rows = (lines: string[]) => {
    const cols = out.columns > 0 ? out.columns : 80;
    return lines.reduce((n, l) => n + Math.max(1, Math.ceil(l.length / cols)), 0);
  };
  const frame = (above: string[], lines: string[]) => {
    const before = rows(shown);
    // \r first: the terminal echoes ^C where the cursor is, so it may not be in column 0.
    let s = `\r${before > 0 ? `${CSI}${before}A` : ''}`;
    // ESC [K after each line clears what the old frame left to its right.
    for (const t of above) s += `${t}${CSI}K\n`;
    // Autowrap off while drawing the block: a line that is still too wide (a character two
    // columns wide, a resize in between) is cut by the terminal instead of taking two rows.
    if (lines.length > 0) s += `${CSI}?7l${lines.map((l) => `${l}${CSI}K\n`).join('')}${CSI}?7h`;
    // Rows the old frame used below the new one: clear each (cursor down never scrolls), come back.
    const left = before - rows([...above, ...lines]);
    if (left > 0) s += `${CSI}2K${`${CSI}B${CSI}2K`.repeat(left - 1)}${left > 1 ? `${CSI}${left - 1}A` : ''}`;
    out.write(s);
    shown = lines;
  };
  return {
    draw: (lines) => frame([], lines),
    print: (text) => frame([text], shown),
    clear: () => frame([], []),
  };
}
