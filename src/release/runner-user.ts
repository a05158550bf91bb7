// EMQX's deb/rpm installs set RUNNER_USER in emqx_vars: its runner, started as root, re-runs itself
// through `su - <user>`, which wipes the environment our hand-over relies on, and files we
// extracted as root would belong to root on an installation owned by that user. So the wrapper
// becomes that user itself before anything is written. Pure: who we are in, what to do out.
import { RelupError } from '../errors.js';

export type RunAs = { kind: 'stay' } | { kind: 'switch'; user: string };

/** The variable's value, '' and unset alike meaning "whoever runs it" (tar.gz installs). */
export function runnerUserOf(table: ReadonlyMap<string, { value: string }>): string | null {
  const v = table.get('RUNNER_USER')?.value.trim() ?? '';
  return v === '' ? null : v;
}

export function decideRunAs(runnerUser: string | null, me: { uid: number; name: string | null }, command: string): RunAs {
  if (runnerUser === null || me.name === runnerUser) return { kind: 'stay' };
  if (me.uid === 0) return { kind: 'switch', user: runnerUser };
  throw new RelupError('PERMISSION', `this installation runs as user ${runnerUser} (RUNNER_USER in releases/emqx_vars), not as ${me.name ?? `uid ${me.uid}`}`, {
    hint: `run it as root (sudo emqx ${command} ...), which switches to ${runnerUser} first, or as ${runnerUser} (sudo -u ${runnerUser} emqx ${command} ...)`,
    details: { runnerUser, uid: me.uid, user: me.name },
  });
}

export interface Account {
  uid: number;
  gid: number;
  groups: number[];
  home: string;
}

/** `getent passwd` line -> uid, gid and home; `id -G` output -> supplementary groups. */
export function parseAccount(passwdLine: string, groupsText: string): Account | null {
  const f = passwdLine.trim().split(':');
  if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) return null;
  const groups = groupsText.trim().split(/\s+/).filter((g) => /^\d+$/.test(g)).map(Number);
  return { uid: Number(f[2]), gid: Number(f[3]), groups: groups.length > 0 ? groups : [Number(f[3])], home: f[5]! };
}
