// Erlang terms as release files hold them (RELEASES, .rel, relup): a reader for the syntax
// release_handler and systools write (strings, atoms, numbers, lists, tuples, `%` comments),
// and the quoting for the terms we hand to escripts. The one home for both.

export type Term =
  | { t: 'atom'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'list'; items: Term[] }
  | { t: 'tuple'; items: Term[] };

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
  const quoted = (q: string): string => {
    let out = '';
    pos++;
    for (;;) {
      const c = text[pos];
      if (c === undefined) fail(`unterminated ${q === '"' ? 'string' : 'quoted atom'}`);
      pos++;
      if (c === q) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[pos++];
      if (e === undefined) fail('unterminated escape');
      const oct = /^[0-7]{1,3}/.exec(text.slice(pos - 1, pos + 2));
      if (oct) {
        out += String.fromCodePoint(parseInt(oct[0], 8));
        pos += oct[0].length - 1;
      } else if (e === 'x') {
        const hex = /^\{([0-9A-Fa-f]+)\}|^[0-9A-Fa-f]{2}/.exec(text.slice(pos));
        if (!hex) fail('bad \\x escape');
        out += String.fromCodePoint(parseInt(hex![1] ?? hex![0], 16));
        pos += hex![0].length;
      } else if (e === '^') {
        const ch = text[pos++];
        if (ch === undefined) fail('unterminated escape');
        out += String.fromCharCode(ch!.charCodeAt(0) & 31);
      } else {
        out += ESCAPES[e!] ?? e;
      }
    }
  };
  const seq = (close: string): Term[] => {
    pos++;
    const items: Term[] = [];
    skipSpace();
    if (text[pos] === close) {
      pos++;
      return items;
    }
    for (;;) {
      items.push(term());
      skipSpace();
      const c = text[pos];
      if (c === ',') pos++;
      else if (c === close) {
        pos++;
        return items;
      } else fail(`expected , or ${close}`);
    }
  };
  const term = (): Term => {
    skipSpace();
    const c = text[pos];
    if (c === undefined) return fail('unexpected end of file');
    if (c === '[') return { t: 'list', items: seq(']') };
    if (c === '{') return { t: 'tuple', items: seq('}') };
    if (c === "'") return { t: 'atom', v: quoted("'") };
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
  if (t?.t === 'list' && t.items.every((i) => i.t === 'number' && Number.isInteger(i.v) && i.v >= 0 && i.v <= 0x10ffff)) {
    return String.fromCodePoint(...t.items.map((i) => (i as { v: number }).v));
  }
  return null;
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
