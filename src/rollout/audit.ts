// The rollout's audit trail: one JSON line per remote command (host, the host's phase, the exact
// command line, exit status, remote output), per phase change and per run start/end, appended to
// `<state>.log` beside the state file. The state says where hosts stand; this says how they got
// there, for the incident review. Lines are appended synchronously, so they are in order and
// on disk before the next step starts.
import { appendFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fromFsError } from '../errors.js';
import type { Progress } from './progress.js';
import type { ExecResult, Transport } from './ssh.js';

/** `x.rollout.json` -> `x.rollout.log`; any other state name gets `.log` appended. */
export function auditPath(statePath: string): string {
  return statePath.endsWith('.json') ? `${statePath.slice(0, -'.json'.length)}.log` : `${statePath}.log`;
}

/** Remote output kept per stream: the end of it, where errors are. */
export const OUTPUT_CAP = 64 * 1024;

export function capOutput(text: string, cap = OUTPUT_CAP): string {
  if (text.length <= cap) return text;
  return `[${text.length - cap} earlier characters cut]\n${text.slice(-cap)}`;
}

export interface Audit {
  readonly path: string;
  /** The transport, every exec and copy recorded with its result. */
  transport(t: Transport): Transport;
  /** The progress sink, every phase change recorded (and remembered as the host's phase). */
  progress(p: Progress): Progress;
  record(entry: Record<string, unknown>): void;
}

/**
 * Opens (creates) the log with a `start` line; a log that cannot be written stops the rollout
 * here, before any host is contacted (73/77 like the state file). Later write failures only
 * warn once through `warn`: the rollout must not stop half-way for its log.
 */
export function openAudit(path: string, start: Record<string, unknown>, warn: (message: string) => void, now = () => new Date()): Audit {
  const phases = new Map<string, string>();
  let broken = false;
  const write = (entry: Record<string, unknown>) => appendFileSync(path, JSON.stringify({ time: now().toISOString(), ...entry }) + '\n', { mode: 0o600 });
  const record = (entry: Record<string, unknown>) => {
    if (broken) return;
    try {
      write(entry);
    } catch (e) {
      broken = true;
      warn(`cannot append to the audit log ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the rollout goes on without it`);
    }
  };
  try {
    let user = '';
    try {
      user = userInfo().username;
    } catch {
      /* no passwd entry: the uid is in the pid's /proc anyway */
    }
    write({ event: 'start', pid: process.pid, user, ...start });
  } catch (e) {
    throw fromFsError(e, path, 'writing the rollout audit log');
  }
  const result = (r: ExecResult) => ({ exitCode: r.exitCode, timedOut: r.timedOut, stdout: capOutput(r.stdout), stderr: capOutput(r.stderr) });
  const phaseOf = (host: string) => phases.get(host) ?? 'start';
  return {
    path,
    record,
    transport(t) {
      return {
        async exec(dest, command, opts = {}) {
          const t0 = Date.now();
          const r = await t.exec(dest, command, opts);
          record({ event: 'exec', host: dest, phase: phaseOf(dest), command, ...(opts.inputFile ? { stdin: opts.inputFile } : {}), durationMs: Date.now() - t0, ...result(r) });
          return r;
        },
        async copy(dest, files, dir, opts) {
          const t0 = Date.now();
          const r = await t.copy(dest, files, dir, opts);
          record({ event: 'copy', host: dest, phase: phaseOf(dest), files, to: dir, durationMs: Date.now() - t0, ...result(r) });
          return r;
        },
        close: () => t.close(),
      };
    },
    progress(p) {
      // A Proxy, so whatever else the progress sink offers passes through untouched.
      return new Proxy(p, {
        get(target, prop, receiver) {
          if (prop === 'phase') {
            return (host: string, phase: Parameters<Progress['phase']>[1], detail?: string) => {
              phases.set(host, phase);
              record({ event: 'phase', host, phase, ...(detail ? { detail } : {}) });
              target.phase(host, phase, detail);
            };
          }
          if (prop === 'event') {
            return (name: string, data: Record<string, unknown>) => {
              if (name !== 'start') record({ event: name, ...data });
              target.event(name, data);
            };
          }
          if (prop === 'note') {
            return (message: string) => {
              record({ event: 'note', message });
              target.note(message);
            };
          }
          const v = Reflect.get(target, prop, receiver);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
    },
  };
}
