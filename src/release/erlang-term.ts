// Erlang terms as release files hold them (RELEASES, .rel, relup): a reader for the syntax
// file:consult/1 accepts for data as release_handler and systools write it with ~p (atoms,
// strings, numbers and characters, lists proper or not, tuples, binaries, maps, `%` comments;
// anything else is a syntax error at a position, never guessed at), and the quoting for the
// terms we hand to escripts. The one home for both.

export type Term =
  | { t: 'atom'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'list'; items: Term[]; tail?: Term }
  | { t: 'tuple'; items: Term[] }
  /** Bytes as latin-1 characters (strings and integers of the segments; sizes and types not kept). */
  | { t: 'binary'; v: string }
  | { t: 'map'; entries: [Term, Term][] };

export class TermSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', b: '\b', f: '\f', v: '\v', e: '\x1b', d: '\x7f' };

/** Parses one Erlang term ended by `.`; throws TermSyntaxError. */
export function parseErlangTerm(text: string): Term {
  let pos = 0;
  const fail = (what: string): never => {
    throw new TermSyntaxError(what, pos);
  };
  const skipSpace = () => {
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos]!)) pos++;
      if (text[pos] !== '%') return;
      while (pos < text.length && text[pos] !== '\n') pos++;
    }
  };
  /** One character of a quoted text or a `$c` literal, escapes decoded; pos is at it. */
  const char = (): string => {
    const c = text[pos];
    if (c === undefined) return fail('unterminated escape');
    pos++;
    if (c !== '\\') return c;
    const e = text[pos++];
    if (e === undefined) fail('unterminated escape');
    const oct = /^[0-7]{1,3}/.exec(text.slice(pos - 1, pos + 2));
    if (oct) {
      pos += oct[0].length - 1;
      return String.fromCodePoint(parseInt(oct[0], 8));
    }
    if (e === 'x') {
      const hex = /^\{([0-9A-Fa-f]+)\}|^[0-9A-Fa-f]{2}/.exec(text.slice(pos));
      if (!hex) fail('bad \\x escape');
      pos += hex![0].length;
      return String.fromCodePoint(parseInt(hex![1] ?? hex![0], 16));
    }
    if (e === '^') {
      const ch = text[pos++];
      if (ch === undefined) fail('unterminated escape');
      return String.fromCharCode(ch!.charCodeAt(0) & 31);
    }
    return ESCAPES[e!] ?? e!;
  };
  const quoted = (q: string): string => {
    let out = '';
    pos++;
    for (;;) {
      if (text[pos] === undefined) fail(`unterminated ${q === '"' ? 'string' : 'quoted atom'}`);
      if (text[pos] === q) {
        pos++;
        return out;
      }
      out += char();
    }
  };
  const expect = (s: string) => {
    skipSpace();
    if (!text.startsWith(s, pos)) fail(`expected ${s}`);
    pos += s.length;
  };
  /** Items up to `close`, separated by commas; `[a | T]` keeps its tail. */
  const seq = (close: string): { items: Term[]; tail?: Term } => {
    pos++;
    const items: Term[] = [];
    skipSpace();
    if (text[pos] === close) {
      pos++;
      return { items };
    }
    for (;;) {
      items.push(term());
      skipSpace();
      const c = text[pos];
      if (c === ',') pos++;
      else if (c === '|' && close === ']') {
        pos++;
        const tail = term();
        expect(']');
        return { items, tail };
      } else if (c === close) {
        pos++;
        return { items };
      } else fail(`expected , or ${close}`);
    }
  };
  const integer = (): number => {
    skipSpace();
    const m = /^-?\d+/.exec(text.slice(pos, pos + 64));
    if (!m) return fail('expected an integer');
    pos += m[0].length;
    return Number(m[0]);
  };
  const binary = (): Term => {
    pos += 2;
    let v = '';
    skipSpace();
    if (text.startsWith('>>', pos)) {
      pos += 2;
      return { t: 'binary', v };
    }
    for (;;) {
      skipSpace();
      if (text[pos] === '"') v += quoted('"');
      else v += String.fromCharCode(integer() & 0xff);
      skipSpace();
      if (text[pos] === ':') {
        pos++;
        integer();
        skipSpace();
      }
      if (text[pos] === '/') {
        const t = /^\/[a-z][a-z0-9_-]*/.exec(text.slice(pos, pos + 64));
        if (!t) fail('bad binary segment type');
        pos += t![0].length;
        skipSpace();
      }
      if (text[pos] === ',') pos++;
      else if (text.startsWith('>>', pos)) {
        pos += 2;
        return { t: 'binary', v };
      } else fail('expected , or >>');
    }
  };
  const map = (): Term => {
    pos += 2;
    const entries: [Term, Term][] = [];
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return { t: 'map', entries };
    }
    for (;;) {
      const k = term();
      expect('=>');
      entries.push([k, term()]);
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] === '}') {
        pos++;
        return { t: 'map', entries };
      } else fail('expected , or }');
    }
  };
  const term = (): Term => {
    skipSpace();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end of file');
    if (c === '[') return { t: 'list', ...seq(']') };
    if (c === '{') return { t: 'tuple', items: seq('}').items };
    if (c === '<' && text[pos + 1] === '<') return binary();
    if (c === '#' && text[pos + 1] === '{') return map();
    if (c === "'") return { t: 'atom', v: quoted("'") };
    if (c === '$') {
      pos++;
      return { t: 'number', v: char().codePointAt(0)! };
    }
    if (c === '"') {
      // Adjacent string literals are one string, as the pretty printer may split long ones.
      let v = quoted('"');
      for (skipSpace(); text[pos] === '"'; skipSpace()) v += quoted('"');
      return { t: 'string', v };
    }
    const atom = /^[a-z][A-Za-z0-9_@]*/.exec(text.slice(pos, pos + 256));
    if (atom) {
      pos += atom[0].length;
      return { t: 'atom', v: atom[0] };
    }
    const num = /^-?(?:\d+#[0-9A-Za-z]+|\d+(?:\.\d+(?:[eE][-+]?\d+)?)?)/.exec(text.slice(pos, pos + 256));
    if (num) {
      pos += num[0].length;
      const [base, digits] = num[0].replace('-', '').split('#');
      const n = digits === undefined ? Number(base) : parseInt(digits, Number(base));
      return { t: 'number', v: num[0].startsWith('-') ? -n : n };
    }
    return fail(`unexpected ${JSON.stringify(c)}`);
  };
  const result = term();
  skipSpace();
  if (text[pos] !== '.') fail('expected . after the term');
  pos++;
  skipSpace();
  if (pos < text.length) fail('text after the final .');
  return result;
}

/** A string term, or a list of character codes (how ~p prints a non-printable string). */
export function stringOf(t: Term | undefined): string | null {
  if (t?.t === 'string') return t.v;
  if (t?.t === 'list' && t.tail === undefined && t.items.every((i) => i.t === 'number' && Number.isInteger(i.v) && i.v >= 0 && i.v <= 0x10ffff)) {
    return String.fromCodePoint(...t.items.map((i) => (i as { v: number }).v));
  }
  return null;
}

/** The 1-based line of a position, for messages. */
export function lineAt(text: string, pos: number): number {
  return text.slice(0, pos).split('\n').length;
}

/** Erlang quoted atom: a name or cookie holding ' or \ or control characters cannot break the term. */
export function erlAtom(s: string): string {
  return `'${erlEscape(s, "'")}'`;
}

export function erlString(s: string): string {
  return `"${erlEscape(s, '"')}"`;
}

function erlEscape(s: string, quote: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (c < 0x20 || c === 0x7f) out += `\\x{${c.toString(16)}}`;
    else out += ch;
  }
  return out;
}
