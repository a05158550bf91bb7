// The local record of a rollout, so that re-running the same command resumes it. One JSON
// file, replaced atomically (temp file, fsync, rename) at every host transition.
import { readFile } from 'node:fs/promises';
import { replaceFile } from '../durable-file.js';
import { basename, join, resolve } from 'node:path';
import { RelupError, fromFsError } from '../errors.js';
import type { HostRecordStatus } from './plan.js';

export const STATE_FORMAT = 'emqx-relup-rollout/1';

export interface HostRecord {
  root: string;
  status: HostRecordStatus;
  from?: string;
  version?: string;
  error?: string;
  /** Cluster peers the node saw just before its upgrade (the gate's and a rollback's reference). */
  peers?: string[];
  /** Set when --on-failure took this host back: to which version, the outcome and how. */
  rollback?: { to: string; outcome: string; how: string; at: string };
  at: string;
}

export interface RolloutState {
  format: typeof STATE_FORMAT;
  package: string;
  sha256: string;
  target: string;
  direction: 'upgrade' | 'downgrade';
  startedAt: string;
  updatedAt: string;
  hosts: Record<string, HostRecord>;
}

export function defaultStatePath(packageFile: string, downgrade: boolean, cwd = process.cwd()): string {
  const stem = basename(packageFile).replace(/\.tar\.gz$/, '');
  return join(cwd, `${stem}${downgrade ? '.downgrade' : ''}.rollout.json`);
}

export function newState(p: { package: string; sha256: string; target: string; downgrade: boolean }, now = new Date()): RolloutState {
  return {
    format: STATE_FORMAT,
    package: p.package,
    sha256: p.sha256,
    target: p.target,
    direction: p.downgrade ? 'downgrade' : 'upgrade',
    startedAt: now.toISOString(),
    updatedAt: now.toISOString(),
    hosts: {},
  };
}

/** Loads the state of an earlier run, or null. A state of another rollout is refused, never reused. */
export async function loadState(path: string, expect: { package: string; sha256: string; target: string; downgrade: boolean }): Promise<RolloutState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw fromFsError(e, path, 'reading the rollout state');
  }
  let s: RolloutState;
  try {
    s = JSON.parse(text) as RolloutState;
  } catch {
    throw new RelupError('CONFIG', `state file ${path} is not valid JSON`, { hint: 'move it away, or pass --state with another file' });
  }
  if (s?.format !== STATE_FORMAT || typeof s.hosts !== 'object' || s.hosts === null) {
    throw new RelupError('CONFIG', `${path} is not an emqx-relup rollout state`, { hint: 'move it away, or pass --state with another file' });
  }
  const direction = expect.downgrade ? 'downgrade' : 'upgrade';
  if (s.sha256 !== expect.sha256 || s.target !== expect.target || s.direction !== direction) {
    throw new RelupError('CONFIG', `state file ${path} belongs to another rollout (${s.direction} to ${s.target} with ${s.package}, sha256 ${String(s.sha256).slice(0, 12)})`, {
      hint: 'pass --state with a new file for this rollout, or remove the old one if that rollout is over',
    });
  }
  return s;
}

export async function saveState(path: string, s: RolloutState, now = new Date()): Promise<void> {
  s.updatedAt = now.toISOString();
  const abs = resolve(path);
  try {
    await replaceFile(abs, JSON.stringify(s, null, 2) + '\n');
  } catch (e) {
    throw fromFsError(e, abs, 'writing the rollout state');
  }
}

/** Serializes writes so that parallel hosts never race each other's snapshot onto disk. */
export function stateWriter(path: string, s: RolloutState): { set(dest: string, rec: Omit<HostRecord, 'at'>): Promise<void>; flush(): Promise<void> } {
  let chain: Promise<void> = Promise.resolve();
  const flush = () => {
    chain = chain.then(() => saveState(path, s));
    return chain;
  };
  return {
    set(dest, rec) {
      s.hosts[dest] = { ...rec, at: new Date().toISOString() };
      return flush();
    },
    flush,
  };
}
