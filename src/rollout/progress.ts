// What the operator sees while the rollout runs. Humans: one line per host with its phase and
// elapsed time (redrawn in place on a terminal, one line per change otherwise). --json: one JSON
// event per line on stdout, the last being the report.

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
  | 'rolling-back'
  | 'rolled-back'
  | 'untouched';

export interface Progress {
  phase(host: string, phase: Phase, detail?: string): void;
  event(name: string, data: Record<string, unknown>): void;
  note(message: string): void;
  close(): void;
}

interface Line {
  host: string;
  phase: Phase;
  detail: string;
  since: number | null;
  end: number | null;
}

const FINAL: ReadonlySet<Phase> = new Set(['done', 'failed', 'at-target', 'untouched', 'rolled-back']);

export function jsonProgress(out: NodeJS.WritableStream, now = () => Date.now()): Progress {
  const t0 = now();
  const starts = new Map<string, number>();
  const emit = (o: Record<string, unknown>) => out.write(JSON.stringify({ ...o, time: new Date().toISOString() }) + '\n');
  return {
    phase(host, phase, detail) {
      if (!starts.has(host) && phase !== 'waiting') starts.set(host, now());
      const s = starts.get(host);
      emit({ event: 'phase', host, phase, ...(detail ? { detail } : {}), elapsedMs: s === undefined ? 0 : now() - s });
    },
    event(name, data) {
      emit({ event: name, ...data, ...(name === 'report' ? { totalMs: now() - t0 } : {}) });
    },
    note(message) {
      emit({ event: 'note', message });
    },
    close() {},
  };
}

function fmt(ms: number): string {
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export function humanProgress(out: NodeJS.WriteStream | NodeJS.WritableStream, hosts: string[], now = () => Date.now()): Progress {
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const width = Math.max(4, ...hosts.map((h) => h.length));
  const lines: Line[] = hosts.map((host) => ({ host, phase: 'waiting', detail: '', since: null, end: null }));
  const byHost = new Map(lines.map((l) => [l.host, l]));
  let drawn = 0;
  const text = (l: Line) => {
    const el = l.since === null ? '' : fmt((l.end ?? now()) - l.since);
    return `${l.host.padEnd(width)}  ${l.phase.padEnd(10)} ${el.padStart(6)}${l.detail ? `  ${l.detail}` : ''}`;
  };
  const redraw = () => {
    if (!tty) return;
    let s = drawn > 0 ? `\x1b[${drawn}A` : '';
    for (const l of lines) s += `\x1b[2K${text(l)}\n`;
    drawn = lines.length;
    out.write(s);
  };
  const timer = tty ? setInterval(redraw, 1000) : null;
  timer?.unref();
  return {
    phase(host, phase, detail = '') {
      const l = byHost.get(host);
      if (!l) return;
      if (l.since === null && phase !== 'waiting') l.since = now();
      l.phase = phase;
      l.detail = detail;
      l.end = FINAL.has(phase) ? now() : null;
      if (tty) redraw();
      else out.write(text(l) + '\n');
    },
    event() {},
    note(message) {
      if (tty && drawn > 0) {
        out.write(`\x1b[${drawn}A\x1b[0J${message}\n`);
        drawn = 0;
        redraw();
      } else out.write(message + '\n');
    },
    close() {
      if (timer) clearInterval(timer);
      redraw();
    },
  };
}
