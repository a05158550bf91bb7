// Becomes RUNNER_USER (see release/runner-user.ts) for the rest of this process: the ping, the
// lock, the extraction and every script we start run as the installation's owner, with the
// environment kept, as if the operator had run `sudo -u <user> emqx ...`.
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { RelupError } from '../errors.js';
import { decideRunAs, parseAccount, type Account } from '../release/runner-user.js';

function lookup(user: string): Account | null {
  try {
    const passwd = execFileSync('getent', ['passwd', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const groups = execFileSync('id', ['-G', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return parseAccount(passwd, groups);
  } catch {
    return null;
  }
}

function whoAmI(): { uid: number; name: string | null } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { uid, name: userInfo().username };
  } catch {
    return { uid, name: null };
  }
}

/** Switches to `runnerUser` when we are root and it is another user; returns the user switched to. */
export function becomeRunnerUser(runnerUser: string | null, command: string, env: NodeJS.ProcessEnv): string | null {
  if (runnerUser === null || typeof process.setuid !== 'function') return null;
  const d = decideRunAs(runnerUser, whoAmI(), command);
  if (d.kind === 'stay') return null;
  const acct = lookup(d.user);
  if (acct === null) {
    throw new RelupError('CONFIG', `releases/emqx_vars sets RUNNER_USER=${d.user}, but this machine has no user ${d.user}`, {
      hint: `create the user the installation belongs to, or fix RUNNER_USER in releases/emqx_vars`,
      details: { runnerUser: d.user },
    });
  }
  try {
    process.setgroups!(acct.groups);
    process.setgid!(acct.gid);
    process.setuid(acct.uid);
  } catch (e) {
    throw new RelupError('PERMISSION', `cannot switch to user ${d.user} (RUNNER_USER in releases/emqx_vars): ${(e as Error).message}`, {
      hint: `run it as ${d.user} (sudo -u ${d.user} emqx ${command} ...)`,
      cause: e,
    });
  }
  // What `su -` would set; the rest of the operator's environment is kept for the scripts.
  Object.assign(env, { HOME: acct.home, USER: d.user, LOGNAME: d.user });
  return d.user;
}
