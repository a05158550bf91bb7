// The last line a detached run's follower prints (`emqx --detach=ID` / `--follow=ID`): how run ID
// stands. One home for the format: the host side prints it, the rollout parses it.

export type RunLine =
  /**
   * The command ended with this exit status (its status file was read); `after`: the host's
   * `--status --json` object read right after a hot-upgrade command, unchecked here.
   */
  | { id: string; state: 'ended'; exitCode: number; after?: unknown }
  /** No such run on this host: its start never got there. */
  | { id: string; state: 'not-started' }
  /** Its process is gone without a status: killed, or the host rebooted. */
  | { id: string; state: 'vanished' }
  /** Still running; the follower stopped because its reader went away. */
  | { id: string; state: 'running' };

export function formatRunLine(r: RunLine): string {
  return JSON.stringify({ run: r });
}

/** The run line among stdout's lines (the last one wins), or null when the follower printed none. */
export function parseRunLine(stdout: string, id: string): RunLine | null {
  for (const line of stdout.trim().split('\n').reverse()) {
    if (!line.startsWith('{"run":')) continue;
    try {
      const r = (JSON.parse(line) as { run?: Partial<RunLine> & { exitCode?: unknown; after?: unknown } }).run;
      if (!r || r.id !== id) continue;
      if (r.state === 'ended' && typeof r.exitCode === 'number') return { id, state: 'ended', exitCode: r.exitCode, ...(r.after ? { after: r.after } : {}) };
      if (r.state === 'not-started' || r.state === 'vanished' || r.state === 'running') return { id, state: r.state };
    } catch {
      /* a log line that looks like one */
    }
  }
  return null;
}
