// The benchmark targets (and the informational ratios printed beside them), by measurement id.
import type { Target } from './stats.js';

const ratio = (id: string, label: string, project: string, reference: string, max: number | null): Target => ({
  kind: 'ratio',
  id,
  label,
  project,
  reference,
  max,
});

export const TARGETS: Target[] = [
  ratio('last-vs-zlib', 'scripts last: extraction / Node zlib inflating all', 'extract:last', 'zlib', 1.1),
  ratio('last-vs-tar', 'scripts last: extraction / GNU tar', 'extract:last', 'tar:last', 0.7),
  ratio('last-vs-bsdtar', 'scripts last: extraction / bsdtar --fast-read', 'extract:last', 'bsdtar:last', 1.2),
  ratio('middle-vs-tar', 'scripts middle: extraction / GNU tar', 'extract:middle', 'tar:middle', 0.4),
  ratio('first-vs-tar', "scripts first (pack's layout): extraction / GNU tar", 'extract:first', 'tar:first', 0.02),
  { kind: 'limit', id: 'rss-100mb', label: 'peak RSS of extraction, 100 MB package', project: 'rss:last', max: 100, unit: 'MB' },
  { kind: 'limit', id: 'rss-1gb', label: 'peak RSS of extraction, 1 GB package', project: 'rss:big', max: 100, unit: 'MB' },
  { kind: 'spread', id: 'rss-flat', label: 'peak RSS 1 GB vs 100 MB package', a: 'rss:big', b: 'rss:last', max: 1.1 },
  ratio('ping-vs-node', 'cold start: emqx ping (passed through) / node -e 0', 'cold:ping', 'cold:node', 1.2),
  ratio('dryrun-vs-node', 'cold start: emqx --dry-run, scripts in bin/ / node -e 0', 'cold:dry-run', 'cold:node', 1.4),
  ratio('exe-version-vs-node', 'cold start: single executable, emqx --version / node -e 0 of the Node it carries', 'cold:exe-version', 'cold:exe-node', 1.3),
  { kind: 'limit', id: 'exe-size', label: 'size of the single executable (this machine\'s architecture)', project: 'size:exe', max: 160, unit: 'MB' },
  ratio('pack-vs-gzip', 'emqx-relup pack / gzip -dc | gzip -6', 'pack', 'regzip', 1.0),
  // The whole `emqx unpack`: every check and the extraction from one read of the package.
  ratio('unpack-sum-last-vs-zlib', 'scripts last, sidecar: whole `emqx --require-checksum unpack` / Node zlib inflating all', 'unpack-sum:last', 'zlib', 1.1),
  ratio('unpack-sum-last-vs-tar', 'scripts last, sidecar: whole `emqx --require-checksum unpack` / GNU tar', 'unpack-sum:last', 'tar:last', 0.5),
  ratio('unpack-last-vs-zlib', 'scripts last, no sidecar: whole `emqx unpack` / Node zlib inflating all', 'unpack:last', 'zlib', 1.05),
  ratio('unpack-sum-first-vs-sha', "pack's layout, sidecar: whole `emqx --require-checksum unpack` / sha256sum", 'unpack-sum:first', 'sha256sum:first', 1.1),
  ratio('unpack-first-vs-tar', "pack's layout, no sidecar: whole `emqx unpack` / GNU tar", 'unpack:first', 'tar:first', 0.08),
  ...(['last', 'first', 'emqx'] as const).flatMap((l) =>
    ['unpack', 'unpack-sum'].map(
      (u): Target => ({ kind: 'limit', id: `bytes-${u}-${l}`, label: `bytes read of the package / its size: ${u === 'unpack' ? '`emqx unpack`' : 'with sidecar'}, ${l}`, project: `bytes:${u}:${l}`, max: 1.02, unit: 'x' }),
    ),
  ),
];

export const INFO: Target[] = [
  ratio('unpack-sum-emqx-vs-zlib', "EMQX's layout, sidecar: whole `emqx --require-checksum unpack` / Node zlib inflating all", 'unpack-sum:emqx', 'zlib', null),
  ratio('unpack-emqx-vs-tar', "EMQX's layout, no sidecar: whole `emqx unpack` / GNU tar", 'unpack:emqx', 'tar:emqx', null),
  ratio('unpack-sum-emqx-vs-tar', "EMQX's layout, sidecar: whole `emqx --require-checksum unpack` / GNU tar", 'unpack-sum:emqx', 'tar:emqx', null),
  ratio('extract-emqx-vs-tar', "EMQX's layout: extraction / GNU tar", 'extract:emqx', 'tar:emqx', null),
  ratio('upgrade-last-vs-tar', 'whole `emqx upgrade`, scripts last / GNU tar', 'upgrade:last', 'tar:last', null),
  ratio('upgrade-middle-vs-tar', 'whole `emqx upgrade`, scripts middle / GNU tar', 'upgrade:middle', 'tar:middle', null),
  ratio('upgrade-first-vs-tar', 'whole `emqx upgrade`, scripts first / GNU tar', 'upgrade:first', 'tar:first', null),
  ratio('last-vs-tar-occ', 'scripts last: extraction / GNU tar --occurrence=1', 'extract:last', 'tar-occ:last', null),
  ratio('middle-vs-tar-occ', 'scripts middle: extraction / GNU tar --occurrence=1', 'extract:middle', 'tar-occ:middle', null),
  ratio('first-vs-bsdtar', 'scripts first: extraction / bsdtar --fast-read', 'extract:first', 'bsdtar:first', null),
  ratio('tarstream-vs-zlib', 'tar-stream parsing all / Node zlib inflating all', 'tarstream', 'zlib', null),
  ratio('tarstream-raw-vs-zlib', 'tar-stream alone on the inflated tar / Node zlib inflating all', 'tarstream-raw', 'zlib', null),
  ratio('zlib-vs-gzip', 'Node zlib inflating all / gzip -dc', 'zlib', 'gzip-dc', null),
  ratio('zlib-default-vs-zlib', 'Node zlib, default buffers / 1 MiB buffers', 'zlib-default', 'zlib', null),
  ratio('bundle-vs-node', 'cold start: node dist/emqx.cjs ping / node -e 0', 'cold:bundle-ping', 'cold:node', null),
  ratio('bundle-dry-vs-node', 'cold start: node dist/emqx.cjs --dry-run / node -e 0', 'cold:bundle-dry-run', 'cold:node', null),
];

/** Unit of each measurement id, for the raw table: time in ms unless it is a memory or file size, or a ratio. */
export function unitOf(id: string): 'ms' | 'MB' | 'x' {
  if (id.startsWith('bytes:')) return 'x';
  return id.startsWith('rss:') || id.startsWith('size:') ? 'MB' : 'ms';
}
