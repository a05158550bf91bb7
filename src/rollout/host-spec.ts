// One host of a rollout as the inventories give it (inventory.ts, inventory-ansible.ts), and the
// checks a destination and a release root must pass before they go near ssh or a shell.
import { RelupError } from '../errors.js';
import type { SshEndpoint } from './ssh.js';

export interface HostSpec {
  /** The SSH destination as the operator wrote it (`[user@]name`, an ssh_config Host alias...). */
  dest: string;
  /** Absolute release root on that host. */
  root: string;
  /** How to reach it when the inventory says (Ansible's ansible_host/port/user); else ssh reaches `dest`. */
  ssh?: SshEndpoint;
  /** The staged single executable that runs the wrapper there (runtime.ts), when its node does not fit. */
  exe?: string;
  /** Why the host's runtime could not be prepared: its preflight (or status row) fails with it. */
  runtimeError?: RelupError;
}

// Never starts with '-', so ssh can never read a destination as one of its own options.
const DEST = /^[A-Za-z0-9_.@[\]:%+][A-Za-z0-9_.@[\]:%+-]*$/;
// Roots travel through scp/sftp paths as well as shell: keep them to characters no glob or shell sees.
const ROOT = /^\/[A-Za-z0-9_./+@,=-]*$/;

export function checkDest(dest: string, where: string): string {
  if (!DEST.test(dest) || dest.length > 255) {
    throw new RelupError('USAGE', `invalid host ${JSON.stringify(dest)} ${where}`, {
      hint: 'give an SSH destination such as node1, emqx@10.0.0.5 or an ssh_config Host alias',
    });
  }
  return dest;
}

export function checkRoot(root: string, where: string): string {
  if (!ROOT.test(root) || root.split('/').includes('..') || root.length > 1024) {
    throw new RelupError('USAGE', `invalid release root ${JSON.stringify(root)} ${where}`, {
      hint: 'give an absolute path made of letters, digits and . _ / + @ , = -',
    });
  }
  return root.length > 1 ? root.replace(/\/+$/, '') : root;
}
