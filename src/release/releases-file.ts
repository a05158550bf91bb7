// Reads `releases/RELEASES`, the Erlang term file release_handler keeps:
//   [{release,"emqx","5.0.1","13.1.5",[{kernel,"8.5.3","/path"},...],permanent}, ...].
// A small tokenizer for the term syntax release_handler writes (strings, atoms, numbers, lists,
// tuples, `%` comments); anything else is reported as a broken file, never guessed at.
import { join } from 'node:path';
import { RelupError } from '../errors.js';
import { type FsLike, readTextFile, realFs } from './fs.js';

export type ReleaseStatus = 'permanent' | 'current' | 'old' | 'unpacked' | string;

export interface ReleaseEntry {
  name: string;
  version: string;
  ertsVersion: string;
  status: ReleaseStatus;
}

export type Term =
  | { t: 'atom'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'list'; items: Term[] }
  | { t: 'tuple'; items: Term[] };

class TermSyntaxError extends Error {
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
function stringOf(t: Term | undefined): string | null {
  if (t?.t === 'string') return t.v;
  if (t?.t === 'list' && t.items.every((i) => i.t === 'number' && Number.isInteger(i.v) && i.v >= 0 && i.v <= 0x10ffff)) {
    return String.fromCodePoint(...t.items.map((i) => (i as { v: number }).v));
  }
  return null;
}

/** Parses RELEASES text; CONFIG (78) naming `file` when it is not a list of release tuples. */
export function parseReleasesFile(text: string, file: string): ReleaseEntry[] {
  const bad = (why: string, details: Record<string, unknown> = {}) =>
    new RelupError('CONFIG', `${file} is not a valid RELEASES file: ${why}`, {
      hint: 'restore it from a backup (release_handler writes it); nothing was changed',
      details: { file, ...details },
    });
  let top: Term;
  try {
    top = parseErlangTerm(text);
  } catch (e) {
    if (!(e instanceof TermSyntaxError)) throw e;
    const line = text.slice(0, e.pos).split('\n').length;
    throw bad(`${e.message} at line ${line}`, { line });
  }
  if (top.t !== 'list') throw bad('expected a list of releases');
  return top.items.map((item, i) => {
    const fields = item.t === 'tuple' ? item.items : [];
    const [tag, name, vsn, erts, , status] = fields;
    const entry = {
      name: stringOf(name),
      version: stringOf(vsn),
      ertsVersion: stringOf(erts),
      status: status?.t === 'atom' ? status.v : null,
    };
    if (tag?.t !== 'atom' || tag.v !== 'release' || fields.length < 6 || Object.values(entry).some((v) => v === null)) {
      throw bad(`entry ${i + 1} is not {release, Name, Vsn, ErtsVsn, Libs, Status}`, { entry: i + 1 });
    }
    return entry as ReleaseEntry;
  });
}

export const RELEASES_FILE = 'releases/RELEASES';

/** Reads `<root>/releases/RELEASES`. Errors: NOT_FOUND 66, PERMISSION 77, CONFIG 78. */
export function readReleasesFile(root: string, fs: FsLike = realFs): ReleaseEntry[] {
  const file = join(root, RELEASES_FILE);
  const text = readTextFile(fs, file, 'reading the list of releases');
  return parseReleasesFile(text, file);
}
