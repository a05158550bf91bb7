// Whether a running process has a file open, from /proc: how a test knows a wrapper is in the
// middle of reading a package before it signals or kills it.
import { readdirSync, readlinkSync } from 'node:fs';

export function hasOpen(pid: number, file: string): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
    } catch {
      return false;
    }
  });
}

/** Waits (bounded, ~5 s) until `pid` has `file` open; false when it never did. */
export async function waitUntilOpen(pid: number, file: string): Promise<boolean> {
  for (let i = 0; i < 5000; i++) {
    if (hasOpen(pid, file)) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}
