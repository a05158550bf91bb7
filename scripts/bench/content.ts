// File contents for the synthetic release: code-like text (compresses like source/beam, about
// 4-5x) and incompressible bytes (AES-CTR keystream), both deterministic in the seed and path.
import { createCipheriv, createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { makeRng, hash32 } from './prng.js';

const SYLLABLES = ['em', 'qx', 'br', 'ok', 'er', 'la', 'ng', 'con', 'fig', 'sub', 'pub', 'sess', 'ion', 'mq',
  'tt', 'cli', 'ent', 'top', 'ic', 'ack', 'hook', 'rule', 'eng', 'ine', 'auth', 'zn', 'gate', 'way', 'ret',
  'ain', 'mgmt', 'api', 'res', 'ource', 'node', 'clu', 'ster', 'rpc', 'mria', 'ekka', 'log', 'ger', 'met',
  'rics', 'stat', 'time', 'out', 'buf', 'fer', 'que', 'ue', 'lim', 'it', 'sock', 'et', 'ssl', 'tls'];
const KEYWORDS = ['case', 'of', 'end', 'fun', 'when', 'receive', 'after', 'try', 'catch', 'ok', 'error',
  'undefined', 'true', 'false', 'begin', 'maps:get', 'lists:foldl', 'erlang:system_time', 'gen_server:call'];

/** A few MiB of Erlang-looking source, the pool every text file is sliced from. */
export function textPool(seed: number, bytes: number): Buffer {
  const rng = makeRng(seed ^ 0x7e47);
  const vocab: string[] = [];
  for (let i = 0; i < 3000; i++) {
    let w = '';
    for (let k = rng.int(2, 4); k > 0; k--) w += rng.pick(SYLLABLES);
    vocab.push(w + (rng.next() < 0.3 ? `_${rng.pick(SYLLABLES)}` : ''));
  }
  // Zipf-like choice: a few identifiers are everywhere, most are rare, as in real code.
  const id = (): string => vocab[Math.floor(vocab.length * rng.next() ** 3)] as string;
  const Var = (): string => {
    const w = id();
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const num = (): string => String(rng.int(0, rng.next() < 0.8 ? 100 : 1_000_000));
  const lines: Array<() => string> = [
    () => `-module(${id()}).`,
    () => `-export([${id()}/${rng.int(0, 4)}, ${id()}/${rng.int(0, 4)}]).`,
    () => `${id()}(${Var()}, ${Var()}) ->`,
    () => `    case ${id()}:${id()}(${Var()}) of`,
    () => `        {ok, ${Var()}} -> ${id()}(${Var()}, ${num()});`,
    () => `        {error, ${id()}} = Err -> Err`,
    () => `    end.`,
    () => `%% ${id()} ${rng.pick(KEYWORDS)} ${id()} ${id()} ${id()}`,
    () => `    ?SLOG(info, #{msg => "${id()}_${id()}", ${id()} => ${Var()}}),`,
    () => `    ${Var()} = <<"${id()}/${id()}">>,`,
    () => `    ${rng.pick(KEYWORDS)}(${Var()}, #{${id()} => ${num()}, ${id()} => <<16#${rng.int(0, 0xffffff).toString(16)}:32>>}),`,
    () => `    {noreply, State#state{${id()} = ${Var()}}};`,
  ];
  const chunks: string[] = [];
  let size = 0;
  while (size < bytes) {
    const line = (rng.pick(lines) as () => string)() + '\n';
    chunks.push(line);
    size += line.length;
  }
  return Buffer.from(chunks.join(''), 'latin1').subarray(0, bytes);
}

/** Compression ratio (raw/gzip -6) of a sample of the pool: sets the incompressible share. */
export function poolRatio(pool: Buffer): number {
  const sample = pool.subarray(0, Math.min(pool.length, 4 << 20));
  return sample.length / gzipSync(sample, { level: 6 }).length;
}

/** Share of incompressible bytes that gives `overall` when text compresses `textRatio`-fold. */
export function incompressibleShare(overall: number, textRatio: number): number {
  const f = (1 / overall - 1 / textRatio) / (1 - 1 / textRatio);
  return Math.min(0.6, Math.max(0.02, f));
}

/** Chunks of a text file: a slice of the pool starting at a per-path offset, wrapping around. */
export function* textChunks(pool: Buffer, path: string, size: number): Generator<Buffer> {
  let off = hash32(path) % pool.length;
  let left = size;
  while (left > 0) {
    const n = Math.min(left, pool.length - off);
    yield pool.subarray(off, off + n);
    left -= n;
    off = 0;
  }
}

const ZEROS = Buffer.alloc(1 << 20);

/** Chunks of an incompressible file: AES-128-CTR keystream keyed by seed and path. */
export function* randomChunks(seed: number, path: string, size: number): Generator<Buffer> {
  const digest = createHash('sha256').update(`${seed}:${path}`).digest();
  const cipher = createCipheriv('aes-128-ctr', digest.subarray(0, 16), digest.subarray(16, 32));
  let left = size;
  while (left > 0) {
    const n = Math.min(left, ZEROS.length);
    yield cipher.update(ZEROS.subarray(0, n));
    left -= n;
  }
}
