// What the human progress display shows, as pure functions of plain data: the live block for a
// terminal of a given size, and the append-only lines for a log. src/rollout/terminal.ts puts the
// live block on the screen; src/rollout/progress.ts keeps the state and picks the mode.

export type Phase =
  | 'waiting'
  | 'preflight'
  | 'ready'
  | 'at-target'
  | 'staging'
  | 'staged'
  | 'plan-check'
  | 'queued'
  | 'upgrading'
  | 'gate'
  | 'done'
  | 'failed'
  | 'unknown'
  | 'rolling-back'
  | 'rolled-back'
  | 'untouched';

export interface HostView {
  host: string;
  phase: Phase;
  detail: string;
  /** When the host first left `waiting`, and when it reached a final phase (ms). */
  since: number | null;
  end: number | null;
}

export interface DisplayState {
  /** e.g. "upgrade to 5.0.1", known once the rollout has read its package. */
  title: string;
  t0: number;
  hosts: HostView[];
}

export interface Size {
  width: number;
  rows: number;
}

export const FINAL: ReadonlySet<Phase> = new Set(['done', 'failed', 'unknown', 'at-target', 'untouched', 'rolled-back']);
/** The phases in which a host is being worked on: the live block lists these hosts by name. */
const ACTIVE: ReadonlySet<Phase> = new Set(['preflight', 'staging', 'plan-check', 'upgrading', 'gate', 'rolling-back']);
/** Order of the header's counts: outcomes first, then work in progress, then what is still ahead. */
const COUNT_ORDER: readonly Phase[] = ['done', 'at-target', 'failed', 'unknown', 'rolled-back', 'rolling-back', 'upgrading', 'gate', 'plan-check', 'staging', 'preflight', 'queued', 'staged', 'ready', 'waiting', 'untouched'];

export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/**
 * Text safe to put on a terminal: remote output can carry tabs and escape sequences, which would
 * move the cursor or recolour the screen. Controls become caret notation (ESC is ^[), a tab one
 * space; newlines too unless `keepNewlines`.
 */
export function printable(text: string, keepNewlines = false): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/\r\n|[\x00-\x1f\x7f-\x9f]/g, (c) => {
    if (c === '\n' || c === '\r\n') return keepNewlines ? '\n' : ' ';
    if (c === '\t') return ' ';
    const n = c.charCodeAt(0);
    return n < 0x20 ? `^${String.fromCharCode(n + 64)}` : n === 0x7f ? '^?' : `\\x${n.toString(16)}`;
  });
}

/** At most `width` columns; a cut line ends in "...". */
export function fit(text: string, width: number): string {
  const w = Math.max(1, width);
  if (text.length <= w) return text;
  return w <= 3 ? text.slice(0, w) : `${text.slice(0, w - 3)}...`;
}

/** "29 done, 1 failed, 10 staged": how many hosts are in each phase, zeros left out. */
export function counts(phases: readonly Phase[]): string {
  const n = new Map<Phase, number>();
  for (const p of phases) n.set(p, (n.get(p) ?? 0) + 1);
  return COUNT_ORDER.filter((p) => n.has(p))
    .map((p) => `${n.get(p)} ${p}`)
    .join(', ');
}

export function header(s: DisplayState, now: number): string {
  return `rollout${s.title ? ` ${s.title}` : ''}  ${elapsed(now - s.t0)}  ${s.hosts.length} host(s): ${counts(s.hosts.map((h) => h.phase))}`;
}

export function hostLine(h: HostView, now: number, hostWidth: number): string {
  const el = h.since === null ? '' : elapsed((h.end ?? now) - h.since);
  return `${h.host.padEnd(hostWidth)}  ${h.phase.padEnd(10)} ${el.padStart(6)}${h.detail ? `  ${printable(h.detail)}` : ''}`.trimEnd();
}

/**
 * The live block: the header, then the failed hosts and those in progress, one line each, never
 * wider than the terminal (a full line would make some terminals wrap) and never more lines than
 * it has rows less one (the cursor's). Hosts that do not fit are counted on the last line; the
 * others are in the header's counts.
 */
export function liveLines(s: DisplayState, now: number, size: Size): string[] {
  const room = Math.max(1, size.rows - 1) - 1;
  const named = [...s.hosts.filter((h) => h.phase === 'failed' || h.phase === 'unknown'), ...s.hosts.filter((h) => ACTIVE.has(h.phase))];
  const hostWidth = Math.min(Math.max(4, ...named.map((h) => h.host.length)), Math.max(4, Math.floor(size.width / 3)));
  const line = (h: HostView) => `  ${hostLine(h, now, hostWidth)}`;
  let body: string[] = [];
  if (named.length <= room) body = named.map(line);
  else if (room > 0) body = [...named.slice(0, room - 1).map(line), `  ... and ${named.length - room + 1} more in progress`];
  return [header(s, now), ...body].map((l) => fit(printable(l), size.width - 1));
}

/** One append-only line for a log: UTC time to the second, then the text in full. */
export function plainLine(time: Date, text: string): string {
  return `${time.toISOString().replace(/\.\d{3}Z$/, 'Z')}  ${printable(text)}`;
}

/**
 * Live redraws need a terminal that understands cursor movement on the stream drawn to; the
 * report goes to stdout, so when stdout is captured (a pipe, a file) the progress becomes a log
 * too. TERM=dumb (Emacs shells, some CI consoles) cannot move the cursor.
 */
export function displayMode(o: { stdoutTty: boolean; progressTty: boolean; term: string | undefined }): 'live' | 'plain' {
  return o.stdoutTty && o.progressTty && o.term !== 'dumb' ? 'live' : 'plain';
}
