// Turns samples and evaluated rows into the printed tables. Pure.
import { formatMs, formatRatio, summarize, table, type Row, type Samples } from './stats.js';
import { unitOf } from './targets.js';

function value(id: string | null, x: number): string {
  if (Number.isNaN(x)) return '-';
  const unit = id ? unitOf(id) : 'ms';
  if (unit === 'x') return `${formatRatio(x)}x`;
  return unit === 'MB' ? `${x.toFixed(1)} MB` : formatMs(x);
}

function rowIds(row: Row, ids: Record<string, [string | null, string | null]>): [string | null, string | null] {
  return ids[row.id] ?? [null, null];
}

/** The ratio table: one line per target (or informational ratio). */
export function targetTable(rows: readonly Row[], ids: Record<string, [string | null, string | null]>): string {
  return table(
    ['target', 'project', 'reference', 'ratio', 'min-max', 'cpu ratio (means)', 'limit', 'result'],
    rows.map((r) => {
      const [p, ref] = rowIds(r, ids);
      const isMB = p !== null && unitOf(p) === 'MB';
      const v = r.value;
      const shown = v === null ? '-' : isMB && r.limit.endsWith('MB') ? value(p, v.median) : `${formatRatio(v.median)}x`;
      const range =
        v === null ? '-' : isMB && r.limit.endsWith('MB') ? `${value(p, v.min)}-${value(p, v.max)}` : `${formatRatio(v.min)}-${formatRatio(v.max)}`;
      return [
        r.label,
        r.project ? value(p, r.project.median) : 'not available',
        r.reference ? value(ref, r.reference.median) : '-',
        shown,
        range,
        r.cpu ? `${formatRatio(r.cpu.median)}x` : '-',
        r.limit || '(info)',
        r.status === 'FAIL' && r.miss ? `FAIL (${r.miss})` : r.status,
      ];
    }),
  );
}

/** Every measurement: median, min-max, number of samples. */
export function rawTable(samples: Samples, order: readonly string[]): string {
  // CPU-time samples stay in the JSON; the printed table shows the wall-time figures.
  const ids = [...order.filter((id) => samples[id]?.length), ...Object.keys(samples).filter((id) => !order.includes(id) && !id.startsWith('cpu:')).sort()];
  return table(
    ['measurement', 'median', 'min-max', 'n'],
    ids.map((id) => {
      const s = summarize(samples[id] ?? []);
      return [id, value(id, s.median), `${value(id, s.min)}-${value(id, s.max)}`, String(s.n)];
    }),
  );
}
