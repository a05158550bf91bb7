// Which hosts to touch, in order: `--hosts a,b,c` or an inventory file with one host per line,
// an optional per-host release root after it, and `#` comments; or an Ansible inventory (INI or
// YAML, inventory-ansible.ts) narrowed by `--group`.
import { DEFAULT_ROOT } from '../release/root.js';
import { readFile } from 'node:fs/promises';
import { RelupError, fromFsError } from '../errors.js';
import { limitHosts } from './plan.js';
import type { SshEndpoint } from './ssh.js';
import { checkDest, checkRoot, type HostSpec } from './host-spec.js';

/** The transport's map from host name to how to reach it, for the hosts whose inventory says. */
export function sshEndpoints(hosts: readonly HostSpec[]): Map<string, SshEndpoint> {
  return new Map(hosts.flatMap((h) => (h.ssh ? [[h.dest, h.ssh] as const] : [])));
}

export { DEFAULT_ROOT };

function noDuplicates(hosts: HostSpec[]): HostSpec[] {
  const seen = new Set<string>();
  for (const h of hosts) {
    if (seen.has(h.dest)) {
      throw new RelupError('USAGE', `host ${h.dest} is listed twice`, { hint: 'list each host once' });
    }
    seen.add(h.dest);
  }
  if (hosts.length === 0) throw new RelupError('USAGE', 'no hosts given', { hint: 'pass --hosts a,b,c or --inventory FILE' });
  return hosts;
}

/** `--hosts a,b,c` (spaces around commas allowed, empty items refused). */
export function parseHostList(list: string, root: string = DEFAULT_ROOT): HostSpec[] {
  const r = checkRoot(root, 'in --root');
  const items = list.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new RelupError('USAGE', `empty host name in --hosts ${JSON.stringify(list)}`, { hint: 'separate host names with single commas' });
  }
  return noDuplicates(items.map((dest) => ({ dest: checkDest(dest, 'in --hosts'), root: r })));
}

/** Inventory text: `host [root]` per line; blank lines and `#` comments (whole-line or trailing) ignored. */
export function parseInventory(text: string, defaultRoot: string = DEFAULT_ROOT, name = 'inventory'): HostSpec[] {
  const fallback = checkRoot(defaultRoot, 'in --root');
  const hosts: HostSpec[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const where = `at ${name}:${i + 1}`;
    const hash = raw.search(/(^|\s)#/);
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    if (fields.length > 2) {
      throw new RelupError('USAGE', `too many fields ${where}: ${JSON.stringify(line)}`, { hint: 'write one host per line, optionally followed by its release root' });
    }
    const [dest, root] = fields as [string, string | undefined];
    hosts.push({ dest: checkDest(dest, where), root: root === undefined ? fallback : checkRoot(root, where) });
  });
  return noDuplicates(hosts);
}

export async function readInventory(file: string, defaultRoot: string = DEFAULT_ROOT, group?: string): Promise<HostSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw fromFsError(e, file, 'reading the inventory');
  }
  const { inventoryFormat, readAnsibleHosts } = await import('./inventory-ansible.js');
  const format = inventoryFormat(file, text, group !== undefined);
  if (format === 'lines') return parseInventory(text, defaultRoot, file);
  const hosts = await readAnsibleHosts(text, { file, format, pattern: group ?? 'all', defaultRoot });
  if (hosts.length === 0) {
    throw new RelupError('NOT_FOUND', `--group ${group ?? 'all'} names no host in ${file}`, { hint: `ansible-inventory -i ${file} --graph shows its groups and hosts` });
  }
  return noDuplicates(hosts);
}

/**
 * The hosts a fleet command works on: exactly one of `--hosts` and `--inventory`, narrowed by
 * `--limit a,b` to the named ones (in inventory order; a name not in the inventory is an error).
 */
export async function selectHosts(o: {
  hosts?: string | undefined;
  inventory?: string | undefined;
  group?: string | undefined;
  root?: string | undefined;
  limit?: string | undefined;
}): Promise<HostSpec[]> {
  if ((o.hosts === undefined) === (o.inventory === undefined)) {
    throw new RelupError('USAGE', 'give exactly one of --hosts and --inventory', { hint: 'see --help' });
  }
  if (o.group !== undefined && o.inventory === undefined) {
    throw new RelupError('USAGE', '--group needs --inventory (an Ansible inventory)', { hint: 'see --help' });
  }
  const all = o.hosts !== undefined ? parseHostList(o.hosts, o.root) : await readInventory(o.inventory!, o.root, o.group);
  if (o.limit === undefined) return all;
  const names = o.limit.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) {
    throw new RelupError('USAGE', `empty host name in --limit ${JSON.stringify(o.limit)}`, { hint: 'separate host names with single commas' });
  }
  const { hosts, unknown } = limitHosts(all, names);
  if (unknown.length > 0) {
    throw new RelupError('USAGE', `--limit names ${unknown.join(', ')}, not in ${o.hosts !== undefined ? '--hosts' : o.inventory}`, {
      hint: 'name hosts exactly as the inventory writes them',
    });
  }
  return hosts;
}
