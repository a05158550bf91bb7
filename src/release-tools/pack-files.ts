// The files pack reads and writes besides the stream: a --runner/--escript override, which
// machine this is (for the default platform), and the finished package and sidecar put in place.
import { readFileSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { writeSynced } from '../durable-file.js';
import { fromFsError } from '../errors.js';
import { MAX_SCRIPT_BYTES } from './layout.js';
import type { MachineFacts, ScriptCandidate } from './pack-plan.js';

export function readOverride(path: string, flag: string): ScriptCandidate {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw fromFsError(e, path, `reading ${flag}`);
  }
  if (!st.isFile()) return { origin: `${flag} ${path}`, data: null, type: st.isDirectory() ? 'directory' : 'special file' };
  if (st.size > MAX_SCRIPT_BYTES) return { origin: `${flag} ${path}`, data: Buffer.alloc(MAX_SCRIPT_BYTES + 1), type: 'file' };
  try {
    return { origin: `${flag} ${path}`, data: readFileSync(path), type: 'file' };
  } catch (e) {
    throw fromFsError(e, path, `reading ${flag}`);
  }
}

export function readMachine(): MachineFacts {
  let osRelease: string | null = null;
  for (const f of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      osRelease = readFileSync(f, 'utf8');
      break;
    } catch {
      // the next candidate, or none: the caller asks for --platform
    }
  }
  return { osRelease, arch: process.arch };
}

export async function renameInto(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (e) {
    throw fromFsError(e, to, 'renaming the package into place');
  }
}

export async function writeSmallFile(path: string, text: string): Promise<void> {
  try {
    await writeSynced(path, text, { flag: 'wx' });
  } catch (e) {
    throw fromFsError(e, path, 'writing the checksum');
  }
}

