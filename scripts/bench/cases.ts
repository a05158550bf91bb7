// What a measurement run is made of: cases run in rotated rounds, and the samples they leave.
import type { ChildReport, Run } from './measure.js';

export const log = (line: string): void => void process.stderr.write(`bench: ${line}\n`);

/** GNU time's KiB as MB (10^6 bytes), the unit of every memory figure. */
export const kibToMB = (kib: number): number => (kib * 1024) / 1e6;

export interface Case {
  id: string;
  /** Project measurements are dropped (with a note) when they fail; reference ones abort the run. */
  project: boolean;
  run(): void;
}

export class Results {
  readonly samples: Record<string, number[]> = {};
  readonly details: Record<string, unknown[]> = {};
  readonly notes: Record<string, string> = {};
  add(id: string, v: number, detail?: unknown): void {
    this.samples[id] ??= [];
    this.samples[id].push(v);
    if (detail === undefined) return;
    this.details[id] ??= [];
    this.details[id].push(detail);
  }
  /** Wall time under `id`, CPU time under `cpu:id`. */
  run(id: string, r: Run | ChildReport, detail?: unknown): void {
    this.add(id, r.ms, detail);
    if (r.cpuMs !== null) this.add(`cpu:${id}`, r.cpuMs);
  }
  note(what: string, line: string): void {
    this.notes[what] = line;
    log(`${what}: ${line}`);
  }
}

/** `pairedOnly`: stop when every project case is gone (the references alone would measure nothing useful). */
/** `verbose`: a line per measurement (for slow ones, so a long run shows where it is). */
export function runCases(cases: Case[], rounds: number, res: Results, pairedOnly = false, verbose = false): void {
  let live = [...cases];
  for (let r = 0; r < rounds; r++) {
    if (pairedOnly && !live.some((c) => c.project)) return;
    // Rotate the order each round so no case always runs right after the same neighbour.
    const shift = Math.floor((r * live.length) / rounds);
    const order = [...live.slice(shift), ...live.slice(0, shift)];
    log(`round ${r + 1}/${rounds}: ${order.length} measurements`);
    for (const c of order) {
      if (pairedOnly && !live.some((x) => x.project)) return;
      try {
        const t0 = Date.now();
        c.run();
        if (verbose) log(`  ${c.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      } catch (e) {
        if (!c.project) throw e;
        res.note(c.id, `failed, dropped from the run: ${(e as Error).message}`);
        live = live.filter((x) => x !== c);
      }
    }
  }
}

