// What the operator sees while the rollout runs. --json: one JSON event per line on stdout, the
// last being the report. Humans, on a terminal: a live block (src/rollout/display.ts) redrawn in
// place, erased at the end when the report takes over; elsewhere: one timestamped line per change.
import { FINAL, type DisplayState, type HostView, type Phase, liveLines, hostLine, plainLine, header } from './display.js';
import { liveBlock } from './terminal.js';

export type { Phase } from './display.js';

export interface Progress {
  phase(host: string, phase: Phase, detail?: string): void;
  event(name: string, data: Record<string, unknown>): void;
  note(message: string): void;
  close(): void;
  /** Stops live redraws while the terminal is asked a question; the returned function resumes them below it. */
  hold?(): () => void;
}

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

export interface HumanOptions {
  /** Redraw a live block (a terminal that moves its cursor) or append lines (a log). */
  live: boolean;
  now?: () => number;
}

export function humanProgress(out: NodeJS.WriteStream | NodeJS.WritableStream, hosts: string[], o: HumanOptions): Progress {
  const now = o.now ?? (() => Date.now());
  const state: DisplayState = { title: '', t0: now(), hosts: hosts.map((host): HostView => ({ host, phase: 'waiting', detail: '', since: null, end: null })) };
  const byHost = new Map(state.hosts.map((h) => [h.host, h]));
  const tty = out as NodeJS.WriteStream;
  const block = o.live ? liveBlock(tty) : null;
  const size = () => ({ width: tty.columns > 0 ? tty.columns : 80, rows: tty.rows > 0 ? tty.rows : 24 });
  const redraw = () => block?.draw(liveLines(state, now(), size()));
  // The elapsed times tick even when no host changes phase.
  let timer = block ? setInterval(redraw, 1000) : null;
  timer?.unref();
  // On a terminal the tty's ^C echo may sit at the cursor: start the line afresh.
  const cr = tty.isTTY === true ? '\r' : '';
  const append = (text: string) => out.write(`${cr}${plainLine(new Date(now()), text)}\n`);
  const width = Math.max(4, ...hosts.map((h) => h.length));
  return {
    phase(host, phase, detail = '') {
      const h = byHost.get(host);
      if (!h) return;
      if (h.since === null && phase !== 'waiting') h.since = now();
      h.phase = phase;
      h.detail = detail;
      h.end = FINAL.has(phase) ? now() : null;
      if (block) redraw();
      else append(hostLine(h, now(), width));
    },
    event(name, data) {
      if (name !== 'start') return;
      state.title = `${String(data.direction)} to ${String(data.target)}`;
      if (block) redraw();
      else append(header(state, now()));
    },
    note(message) {
      if (block) block.print(plainLine(new Date(now()), message));
      else append(message);
    },
    close() {
      if (timer) clearInterval(timer);
      // The report printed next shows every host once, in full.
      block?.clear();
    },
    hold() {
      if (timer) clearInterval(timer);
      timer = null;
      // The block goes while the question is asked; redraws start afresh below the answer.
      block?.clear();
      return () => {
        if (!block || timer) return;
        timer = setInterval(redraw, 1000);
        timer.unref();
        redraw();
      };
    },
  };
}
