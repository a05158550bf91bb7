// Reads a sourced shell fragment of assignments (`releases/emqx_vars`) the way `sh` would see it,
// without running it. emqx_vars is append-only: a permanent install appends REL_VSN=/ERTS_VSN= lines, so the LAST
// assignment wins. We understand plain assignments (`NAME=…`, `export NAME=…`, several per line),
// single and double quotes, backslash escapes, `$VAR`, `${VAR}` and `${VAR:-…}`-style defaults.
// Anything else (tests, function calls, `if` blocks' own syntax) is skipped, not fatal; an
// assignment inside an `if` body is taken as if unconditional. A value that needs a command
// (`$(…)`, backticks, `$0`, `${X:?…}`) is kept but marked `dynamic`, since we cannot know it.
import { RelupError } from '../errors.js';
import type { Env } from './fs.js';

export interface VarValue {
  /** The value as far as it can be known (command substitutions count as empty). */
  value: string;
  /** True when the value depends on running a command or on the script's arguments. */
  dynamic: boolean;
  /** 1-based line of the assignment that set it. */
  line: number;
}

export type VarTable = Map<string, VarValue>;

interface Word {
  value: string;
  dynamic: boolean;
}

const ASSIGN_FIRST = /(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=/y;
const ASSIGN_NEXT = /([A-Za-z_][A-Za-z0-9_]*)=/y;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
/** Characters that end an unquoted word at statement level. */
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

/**
 * Parses emqx_vars text. `env` is the process environment as the caller sees it: a variable the
 * file has not assigned yet expands from there, as it would when the file is sourced.
 * Throws CONFIG (78) on an unterminated quote or expansion inside an assignment.
 */
export function parseShellAssignments(text: string, env: Env = {}, file = 'emqx_vars'): VarTable {
  return new VarsParser(text, env, file).parse();
}

class VarsParser {
  private readonly src: string;
  private pos = 0;
  private readonly vars: VarTable = new Map();

  constructor(
    text: string,
    private readonly env: Env,
    private readonly file: string,
  ) {
    // CRLF files are common when edited on Windows; sh would keep the \r, an operator would not.
    this.src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  }

  parse(): VarTable {
    const { src } = this;
    while (this.pos < src.length) {
      const c = src[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === ';') this.pos++;
      else if (c === '#') this.skipToEol();
      else this.statement();
    }
    return this.vars;
  }

  /** One statement: a run of assignments, or something we skip. */
  private statement(): void {
    const undo: Array<[string, VarValue | undefined]> = [];
    let re = ASSIGN_FIRST;
    for (;;) {
      re.lastIndex = this.pos;
      const m = re.exec(this.src);
      if (!m) break;
      const name = m[1]!;
      const line = this.lineAt(this.pos);
      this.pos = re.lastIndex;
      const w = this.word(false, false);
      undo.push([name, this.vars.get(name)]);
      // Assigned at once: `A=1 B=$A` sees A=1, as in sh.
      this.vars.set(name, { value: w.value, dynamic: w.dynamic, line });
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === undefined || c === '\n' || c === ';' || c === '#') return;
      re = ASSIGN_NEXT;
    }
    // `A=1 cmd …` only sets A for cmd's environment: roll the shell variables back.
    for (const [name, prev] of undo.reverse()) {
      if (prev) this.vars.set(name, prev);
      else this.vars.delete(name);
    }
    this.skipStatement();
  }

  private lookup(name: string): VarValue | undefined {
    const own = this.vars.get(name);
    if (own) return own;
    const v = this.env[name];
    return v === undefined ? undefined : { value: v, dynamic: false, line: 0 };
  }

  /**
   * Reads one shell word. `inBraces`: the word of `${X:-word}`, which ends at `}` and may hold
   * blanks; `inDouble`: that word sits inside double quotes, where `'` is an ordinary character.
   */
  private word(inBraces: boolean, inDouble: boolean): Word {
    const { src } = this;
    let value = '';
    let dynamic = false;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (inBraces ? c === '}' : WORD_END.has(c)) break;
      if (c === '\\') {
        const next = src[this.pos + 1];
        this.pos += 2;
        if (next !== undefined && next !== '\n') value += next;
      } else if (c === "'" && !inDouble) {
        const end = src.indexOf("'", this.pos + 1);
        if (end < 0) throw this.syntax('unterminated single quote', this.pos);
        value += src.slice(this.pos + 1, end);
        this.pos = end + 1;
      } else if (c === '"') {
        const w = this.doubleQuoted();
        value += w.value;
        dynamic ||= w.dynamic;
      } else if (c === '`') {
        this.skipBackticks();
        dynamic = true;
      } else if (c === '$') {
        const w = this.dollar(inDouble);
        value += w.value;
        dynamic ||= w.dynamic;
      } else {
        value += c;
        this.pos++;
      }
    }
    return { value, dynamic };
  }

  private doubleQuoted(): Word {
    const { src } = this;
    const start = this.pos++;
    let value = '';
    let dynamic = false;
    for (;;) {
      const c = src[this.pos];
      if (c === undefined) throw this.syntax('unterminated double quote', start);
      if (c === '"') {
        this.pos++;
        return { value, dynamic };
      }
      if (c === '\\') {
        // Inside "…" a backslash only escapes $ ` " \ and newline; elsewhere it stays.
        const next = src[this.pos + 1];
        if (next === '\n') this.pos += 2;
        else if (next === '$' || next === '`' || next === '"' || next === '\\') {
          value += next;
          this.pos += 2;
        } else {
          value += c;
          this.pos++;
        }
      } else if (c === '$') {
        const w = this.dollar(true);
        value += w.value;
        dynamic ||= w.dynamic;
      } else if (c === '`') {
        this.skipBackticks();
        dynamic = true;
      } else {
        value += c;
        this.pos++;
      }
    }
  }

  /** `$NAME`, `${…}`, `$(…)`, special parameters; a lone `$` is literal. */
  private dollar(inDouble: boolean): Word {
    const { src } = this;
    const start = this.pos;
    const next = src[start + 1];
    if (next === '{') return this.braced(inDouble);
    if (next === '(') {
      this.pos++;
      this.skipParens();
      return { value: '', dynamic: true };
    }
    if (next !== undefined && /[A-Za-z_]/.test(next)) {
      NAME.lastIndex = start + 1;
      const name = NAME.exec(src)![0];
      this.pos = NAME.lastIndex;
      const v = this.lookup(name);
      return { value: v?.value ?? '', dynamic: v?.dynamic ?? false };
    }
    if (next !== undefined && /[0-9@*#?$!-]/.test(next)) {
      // $0, $1, $@, $$ …: the sourcing script's arguments or state.
      this.pos += 2;
      return { value: '', dynamic: true };
    }
    this.pos++;
    return { value: '$', dynamic: false };
  }

  private braced(inDouble: boolean): Word {
    const { src } = this;
    const start = this.pos;
    this.pos += 2;
    const unterminated = () => this.syntax('unterminated ${', start);
    const lengthOf = src[this.pos] === '#' && src[this.pos + 1] !== '}';
    if (lengthOf) this.pos++;
    NAME.lastIndex = this.pos;
    const m = NAME.exec(src);
    if (!m || m.index !== this.pos) {
      // ${1}, ${@}, ${!x} …: cannot be known without running the script.
      this.skipTo('}', start);
      return { value: '', dynamic: true };
    }
    const name = m[0];
    this.pos = NAME.lastIndex;
    const v = this.lookup(name);
    const set = v !== undefined;
    const nonEmpty = set && v.value !== '';
    const dynamic = v?.dynamic ?? false;
    if (src[this.pos] === '}') {
      this.pos++;
      const value = v?.value ?? '';
      return lengthOf ? { value: String([...value].length), dynamic } : { value, dynamic };
    }
    if (lengthOf) {
      this.skipTo('}', start);
      return { value: '', dynamic: true };
    }
    const op = /^(:?[-=+?])/.exec(src.slice(this.pos, this.pos + 2))?.[1];
    if (!op) {
      // ${X%pat}, ${X#pat}, ${X/a/b} …: pattern operators we do not evaluate.
      this.skipTo('}', start);
      return { value: '', dynamic: true };
    }
    this.pos += op.length;
    const w = this.word(true, inDouble);
    if (src[this.pos] !== '}') throw unterminated();
    this.pos++;
    const useWord = op.startsWith(':') ? !nonEmpty : !set;
    switch (op.replace(':', '')) {
      case '-':
        return useWord ? w : { value: v!.value, dynamic };
      case '=':
        if (!useWord) return { value: v!.value, dynamic };
        this.vars.set(name, { ...w, line: this.lineAt(start) });
        return w;
      case '+':
        return useWord ? { value: '', dynamic: false } : w;
      default:
        // `?`: the shell would stop with an error when unset; we cannot know what follows.
        return useWord ? { value: '', dynamic: true } : { value: v!.value, dynamic };
    }
  }

  private skipBlanks(): void {
    while (this.src[this.pos] === ' ' || this.src[this.pos] === '\t') this.pos++;
  }

  private skipToEol(): void {
    const nl = this.src.indexOf('\n', this.pos);
    this.pos = nl < 0 ? this.src.length : nl;
  }

  private skipTo(ch: string, start: number): void {
    const end = this.src.indexOf(ch, this.pos);
    if (end < 0) throw this.syntax(`unterminated ${this.src.slice(start, start + 2)}`, start);
    this.pos = end + 1;
  }

  private skipBackticks(): void {
    const start = this.pos++;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw this.syntax('unterminated backquote', start);
      this.pos += c === '\\' ? 2 : 1;
      if (c === '`') return;
    }
  }

  /** Skips a balanced `(…)` (also `((…))`), minding quotes. */
  private skipParens(): void {
    const start = this.pos;
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        this.pos++;
        return;
      }
      if (!this.skipQuoted()) this.pos += c === '\\' ? 2 : 1;
    }
    throw this.syntax('unterminated $(', start - 1);
  }

  /** Skips a quoted span at pos if there is one; false when pos is not at a quote. */
  private skipQuoted(): boolean {
    const c = this.src[this.pos];
    if (c === "'") {
      const end = this.src.indexOf("'", this.pos + 1);
      if (end < 0) throw this.syntax('unterminated single quote', this.pos);
      this.pos = end + 1;
      return true;
    }
    if (c === '"') {
      const start = this.pos++;
      for (;;) {
        const d = this.src[this.pos];
        if (d === undefined) throw this.syntax('unterminated double quote', start);
        this.pos += d === '\\' ? 2 : 1;
        if (d === '"') return true;
      }
    }
    return false;
  }

  /**
   * Skips a statement that is not an assignment, up to an unquoted newline or `;`. Its quotes
   * are honoured so a multi-line string is skipped whole; if one never closes, only the line is
   * skipped, since a line we do not understand must never be fatal.
   */
  private skipStatement(): void {
    const { src } = this;
    const lineEnd = () => {
      const nl = src.indexOf('\n', this.pos);
      return nl < 0 ? src.length : nl;
    };
    let atWordStart = true;
    while (this.pos < src.length) {
      const c = src[this.pos]!;
      if (c === '\n' || c === ';') return;
      if (c === '#' && atWordStart) {
        this.skipToEol();
        return;
      }
      const from = this.pos;
      try {
        if (this.skipQuoted()) {
          atWordStart = false;
          continue;
        }
      } catch {
        this.pos = from;
        this.pos = lineEnd();
        return;
      }
      if (c === '\\') this.pos += 2;
      else this.pos++;
      atWordStart = c === ' ' || c === '\t' || c === '|' || c === '&' || c === '(';
    }
  }

  private lineAt(pos: number): number {
    let n = 1;
    for (let i = this.src.indexOf('\n'); i >= 0 && i < pos; i = this.src.indexOf('\n', i + 1)) n++;
    return n;
  }

  private syntax(what: string, at: number): RelupError {
    const line = this.lineAt(at);
    return new RelupError('CONFIG', `${this.file} line ${line}: ${what}`, {
      hint: 'fix that line of the file (it is sourced by bin/emqx, so it is broken for it too)',
      details: { file: this.file, line },
    });
  }
}

