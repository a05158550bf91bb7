// Pure statistics and the ratio table: medians, ranges, ratios of medians, pass/fail per target.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function summarize(xs: readonly number[]): Summary {
  return {
    n: xs.length,
    median: median(xs),
    min: xs.length ? Math.min(...xs) : Number.NaN,
    max: xs.length ? Math.max(...xs) : Number.NaN,
  };
}

/** project / reference as a ratio of medians, and the range of the per-round paired ratios. */
export function ratioOf(project: readonly number[], reference: readonly number[]): Summary | null {
  const n = Math.min(project.length, reference.length);
  if (n === 0 || median(reference) === 0 || reference.slice(0, n).includes(0)) return null;
  const paired = Array.from({ length: n }, (_, i) => (project[i] as number) / (reference[i] as number));
  return { n, median: median(project) / median(reference), min: Math.min(...paired), max: Math.max(...paired) };
}

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN;
}

/**
 * CPU-time ratio as a ratio of means: GNU time reports CPU in 10 ms steps, so for short runs
 * (cold starts) only the mean over many runs resolves the difference.
 */
export function cpuRatioOf(project: readonly number[], reference: readonly number[]): Summary | null {
  const r = ratioOf(project, reference);
  return r && { ...r, median: mean(project) / mean(reference) };
}

/** A target compares one measurement to another (a ratio) or to an absolute limit. */
export type Target =
  | { kind: 'ratio'; id: string; label: string; project: string; reference: string; max: number | null }
  | { kind: 'limit'; id: string; label: string; project: string; max: number; unit: string }
  | { kind: 'spread'; id: string; label: string; a: string; b: string; max: number };

export type Status = 'pass' | 'FAIL' | 'info' | 'n/a';

export interface Row {
  id: string;
  label: string;
  project: Summary | null;
  reference: Summary | null;
  /** ratio (or value, for limits) with its range */
  value: Summary | null;
  /** For ratios: the same ratio on CPU time (ids prefixed `cpu:`, ratio of means), steadier on a loaded machine. */
  cpu: Summary | null;
  limit: string;
  status: Status;
  /** How far off a missed target is, e.g. "+23%". */
  miss: string | null;
}

export type Samples = Readonly<Record<string, readonly number[] | undefined>>;

function statusOf(value: number | undefined, max: number | null): Status {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  if (max === null) return 'info';
  return value <= max ? 'pass' : 'FAIL';
}

function missOf(value: number | undefined, max: number | null): string | null {
  if (value === undefined || max === null || Number.isNaN(value) || value <= max) return null;
  return `+${Math.round((value / max - 1) * 100)}%`;
}

function row(target: Target, p: readonly number[], r: readonly number[], value: Summary | null, max: number | null, limit: string, cpu: Summary | null = null): Row {
  return {
    id: target.id,
    label: target.label,
    project: p.length ? summarize(p) : null,
    reference: r.length ? summarize(r) : null,
    value,
    cpu,
    limit,
    status: statusOf(value?.median, max),
    miss: missOf(value?.median, max),
  };
}

export function evaluate(target: Target, samples: Samples): Row {
  const get = (id: string): readonly number[] => samples[id] ?? [];
  if (target.kind === 'ratio') {
    const p = get(target.project);
    const r = get(target.reference);
    const cpu = cpuRatioOf(get(`cpu:${target.project}`), get(`cpu:${target.reference}`));
    return row(target, p, r, ratioOf(p, r), target.max, target.max === null ? '' : `<= ${target.max}x`, cpu);
  }
  if (target.kind === 'limit') {
    const p = get(target.project);
    // The worst run counts against an absolute limit.
    const value = p.length ? { ...summarize(p), median: Math.max(...p) } : null;
    return row(target, p, [], value, target.max, `<= ${target.max} ${target.unit}`);
  }
  const a = get(target.a);
  const b = get(target.b);
  let value: Summary | null = null;
  if (a.length && b.length) {
    const x = Math.max(...a);
    const y = Math.max(...b);
    const v = Math.max(x, y) / Math.min(x, y);
    value = { n: Math.min(a.length, b.length), median: v, min: v, max: v };
  }
  return row(target, a, b, value, target.max, `<= ${target.max}x`);
}

/** Seconds/milliseconds for humans: 1.234 s, 61.8 ms, 0.41 ms. */
export function formatMs(ms: number): string {
  if (Number.isNaN(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatRatio(x: number): string {
  if (Number.isNaN(x)) return '-';
  return x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3);
}

/** Markdown table padded to line up in a terminal too (pasted as is into docs/benchmark.md). */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(3, h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
