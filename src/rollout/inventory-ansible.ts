// Ansible inventories (INI or YAML) read the way ansible-inventory reads them, for the parts a
// rollout needs: which hosts a group or pattern names (in Ansible's order), and per host the
// address, port and user to reach it and the release root (a variable, emqx_root by default).
// Parsing is pure (text in, model out); inventory.ts reads the file.
import { RelupError } from '../errors.js';
import { checkDest, checkRoot, type HostSpec } from './host-spec.js';

type Vars = Record<string, unknown>;

interface Group {
  hosts: string[];
  children: string[];
  vars: Vars;
}

export interface AnsibleInventory {
  /** Every host, in the order the inventory first names it (Ansible's order for `all`). */
  hosts: string[];
  hostVars: Map<string, Vars>;
  groups: Map<string, Group>;
}

function newInventory(): AnsibleInventory {
  const inv: AnsibleInventory = { hosts: [], hostVars: new Map(), groups: new Map() };
  group(inv, 'all');
  group(inv, 'ungrouped');
  return inv;
}

function group(inv: AnsibleInventory, name: string): Group {
  let g = inv.groups.get(name);
  if (!g) {
    g = { hosts: [], children: [], vars: {} };
    inv.groups.set(name, g);
  }
  return g;
}

function addHost(inv: AnsibleInventory, groupName: string, host: string, vars: Vars): void {
  if (!inv.hostVars.has(host)) {
    inv.hosts.push(host);
    inv.hostVars.set(host, {});
  }
  Object.assign(inv.hostVars.get(host)!, vars);
  const g = group(inv, groupName);
  if (!g.hosts.includes(host)) g.hosts.push(host);
}

function addChild(inv: AnsibleInventory, parent: string, child: string): void {
  group(inv, child);
  const g = group(inv, parent);
  if (!g.children.includes(child)) g.children.push(child);
}

/** Hosts in no group but `all` are in `ungrouped`, and every top-level group is a child of `all`. */
function finish(inv: AnsibleInventory): AnsibleInventory {
  const grouped = new Set<string>();
  const isChild = new Set<string>();
  for (const [name, g] of inv.groups) {
    if (name !== 'all' && name !== 'ungrouped') for (const h of g.hosts) grouped.add(h);
    for (const c of g.children) isChild.add(c);
  }
  const all = group(inv, 'all');
  const ungrouped = group(inv, 'ungrouped');
  all.hosts = [];
  for (const h of inv.hosts) if (!grouped.has(h) && !ungrouped.hosts.includes(h)) ungrouped.hosts.push(h);
  for (const name of inv.groups.keys()) if (name !== 'all' && !isChild.has(name) && !all.children.includes(name)) all.children.push(name);
  // As in Ansible, ungrouped is all's first child, so its hosts come first in `all`.
  all.children = ['ungrouped', ...all.children.filter((c) => c !== 'ungrouped')];
  return inv;
}

function syntax(file: string, line: number, what: string, hint: string): RelupError {
  return new RelupError('USAGE', `${file}:${line}: ${what}`, { hint });
}

// Ansible's host ranges: web[01:03] (leading zeros kept), db-[a:c], s[1:6:2].
const RANGE = /^(.*?)\[([0-9a-z]+):([0-9a-z]+)(?::(\d+))?\](.*)$/i;

export function expandHostPattern(pattern: string): string[] {
  const m = RANGE.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, step, tail] = m as unknown as [string, string, string, string, string | undefined, string];
  const stride = step === undefined ? 1 : Number(step);
  const items: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.length;
    for (let i = Number(from); i <= Number(to) && stride > 0; i += stride) items.push(String(i).padStart(width, '0'));
  } else if (/^[a-z]$/i.test(from) && /^[a-z]$/i.test(to)) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0) && stride > 0; c += stride) items.push(String.fromCharCode(c));
  } else {
    return [pattern];
  }
  return items.flatMap((i) => expandHostPattern(`${head}${i}${tail}`));
}

/** `name:port` (not an IPv6 literal, which has more than one colon) gives the port as a host var. */
function splitPort(entry: string): { names: string[]; vars: Vars } {
  const m = /^([^:]+):(\d+)$/.exec(entry);
  if (m) return { names: expandHostPattern(m[1]!), vars: { ansible_port: Number(m[2]) } };
  return { names: expandHostPattern(entry), vars: {} };
}

/** A value as Ansible's INI plugin reads it (a Python literal where it is one, else the text). */
function iniValue(raw: string): unknown {
  const v = raw.trim();
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^0x[0-9a-f]+$/i.test(v)) return Number.parseInt(v.slice(2), 16);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (v === 'True' || v === 'False') return v === 'True';
  if (v === 'None') return null;
  const q = /^(['"])(.*)\1$/.exec(v);
  return q ? q[2] : v;
}

/** Shell-like words: quotes group, `#` starts a comment outside quotes. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  let inWord = false;
  for (const ch of line) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      inWord = true;
    } else if (ch === '#') break;
    else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

export function parseAnsibleIni(text: string, file: string): AnsibleInventory {
  const inv = newInventory();
  let section = 'ungrouped';
  let kind: 'hosts' | 'vars' | 'children' = 'hosts';
  text.split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      const [name, what = 'hosts'] = head[1]!.split(':') as [string, string | undefined];
      if (!['hosts', 'vars', 'children'].includes(what)) throw syntax(file, n, `unknown section kind :${what} in [${head[1]}]`, 'use [group], [group:vars] or [group:children]');
      section = name;
      kind = what as typeof kind;
      group(inv, section);
      return;
    }
    if (kind === 'vars') {
      const eq = line.indexOf('=');
      if (eq <= 0) throw syntax(file, n, `expected key=value in [${section}:vars], got ${JSON.stringify(line)}`, 'write one variable per line as key=value');
      group(inv, section).vars[line.slice(0, eq).trim()] = iniValue(line.slice(eq + 1));
      return;
    }
    const w = words(line);
    if (w.length === 0) return;
    if (kind === 'children') {
      addChild(inv, section, w[0]!);
      return;
    }
    const vars: Vars = {};
    for (const kv of w.slice(1)) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw syntax(file, n, `expected key=value after the host, got ${JSON.stringify(kv)}`, 'write host variables as key=value');
      vars[kv.slice(0, eq)] = iniValue(kv.slice(eq + 1));
    }
    const { names, vars: portVars } = splitPort(w[0]!);
    for (const h of names) addHost(inv, section, h, { ...portVars, ...vars });
  });
  return finish(inv);
}

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The YAML inventory format: groups with hosts, vars and children, top-level groups under `all`. */
export async function parseAnsibleYaml(text: string, file: string): Promise<AnsibleInventory> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const line = text.slice(0, err.pos[0]).split('\n').length;
    throw syntax(file, line, `YAML syntax error: ${err.message.split('\n')[0]}`, 'fix the YAML (ansible-inventory -i FILE --list shows what Ansible reads)');
  }
  const top: unknown = doc.toJS();
  const inv = newInventory();
  if (top === null || top === undefined) return finish(inv);
  if (!isMap(top)) throw syntax(file, 1, 'a YAML inventory must be a mapping of group names', 'start it with all: (see docs/ansible-inventories.md)');
  const walk = (name: string, body: unknown): void => {
    group(inv, name);
    if (body === null || body === undefined) return;
    if (!isMap(body)) throw new RelupError('USAGE', `${file}: group ${name} must be a mapping of hosts, vars and children`, { hint: 'see docs/ansible-inventories.md' });
    if (isMap(body.vars)) Object.assign(group(inv, name).vars, body.vars);
    if (isMap(body.hosts)) {
      for (const [entry, vars] of Object.entries(body.hosts)) {
        const { names, vars: portVars } = splitPort(entry);
        for (const h of names) addHost(inv, name, h, { ...portVars, ...(isMap(vars) ? vars : {}) });
      }
    }
    if (isMap(body.children)) {
      for (const [child, childBody] of Object.entries(body.children)) {
        addChild(inv, name, child);
        walk(child, childBody);
      }
    }
  };
  for (const [name, body] of Object.entries(top)) walk(name, body);
  return finish(inv);
}

/**
 * Hosts of a group in Ansible's order: the group's own, then those of its descendants level by
 * level (children, then grandchildren...), each host once. (Ansible walks one level's groups in
 * set order; here in the order they were defined, which is Ansible's whenever one level has one
 * parent with children.)
 */
function groupHosts(inv: AnsibleInventory, name: string): string[] {
  const ordered = [name];
  const seen = new Set(ordered);
  for (let level = [name]; level.length > 0; ) {
    const next: string[] = [];
    for (const g of level) {
      for (const c of inv.groups.get(g)?.children ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        ordered.push(c);
        next.push(c);
      }
    }
    level = next;
  }
  const out: string[] = [];
  for (const g of ordered) for (const h of inv.groups.get(g)?.hosts ?? []) if (!out.includes(h)) out.push(h);
  return out;
}

function glob(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

/** What one pattern term names: a group, a host, a `*` wildcard or a `~regex`; null when nothing. */
function term(inv: AnsibleInventory, t: string): string[] | null {
  if (t === 'all' || t === '*') return groupHosts(inv, 'all');
  if (inv.groups.has(t)) return groupHosts(inv, t);
  if (inv.hostVars.has(t)) return [t];
  const re = t.startsWith('~') ? new RegExp(t.slice(1)) : /[*?]/.test(t) ? glob(t) : null;
  if (!re) return null;
  const out: string[] = [];
  for (const g of inv.groups.keys()) if (re.test(g)) for (const h of groupHosts(inv, g)) if (!out.includes(h)) out.push(h);
  for (const h of inv.hosts) if (re.test(h) && !out.includes(h)) out.push(h);
  return out.length ? out : null;
}

/**
 * Ansible's host patterns: `a:b` or `a,b` (union, in order), `a:&b` (and in b), `a:!b` (not in
 * b). A term that names nothing is an error here (Ansible only warns): a typo must not shrink a
 * rollout silently.
 */
export function selectPattern(inv: AnsibleInventory, pattern: string, file: string): string[] {
  const parts = (pattern.includes(',') ? pattern.split(',') : pattern.split(':')).map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0) throw new RelupError('USAGE', `empty --group ${JSON.stringify(pattern)}`, { hint: 'name a group of the inventory, or a pattern such as emqx:!canary' });
  let hosts: string[] = [];
  const and: string[][] = [];
  const not: string[][] = [];
  for (const p of parts) {
    const op = p[0] === '&' || p[0] === '!' ? p[0] : '';
    const name = op ? p.slice(1) : p;
    const got = term(inv, name);
    if (got === null) {
      const groups = [...inv.groups.keys()].filter((g) => g !== 'all' && g !== 'ungrouped');
      throw new RelupError('NOT_FOUND', `--group: no group or host ${JSON.stringify(name)} in ${file}`, {
        hint: `groups there: ${groups.join(', ') || '(none)'}; ansible-inventory -i ${file} --graph lists them`,
      });
    }
    if (op === '&') and.push(got);
    else if (op === '!') not.push(got);
    else for (const h of got) if (!hosts.includes(h)) hosts.push(h);
  }
  for (const a of and) hosts = hosts.filter((h) => a.includes(h));
  for (const n of not) hosts = hosts.filter((h) => !n.includes(h));
  return hosts;
}

/** Depth of each group below `all` (the longest path), which orders how group vars override. */
function depths(inv: AnsibleInventory): Map<string, number> {
  const d = new Map<string, number>([['all', 0]]);
  const visit = (name: string, depth: number, path: Set<string>) => {
    if (path.has(name)) return;
    if ((d.get(name) ?? -1) < depth) d.set(name, depth);
    const next = new Set(path).add(name);
    for (const c of inv.groups.get(name)?.children ?? []) visit(c, depth + 1, next);
  };
  for (const c of inv.groups.get('all')!.children) visit(c, 1, new Set(['all']));
  return d;
}

/**
 * A host's variables as Ansible merges them: `all`, then its groups by depth (a child over its
 * parent) and, at one depth, by name (later wins, ansible_group_priority aside), then its own.
 */
export function hostVariables(inv: AnsibleInventory, host: string): Vars {
  const depth = depths(inv);
  const member = [...inv.groups.keys()].filter((g) => g !== 'all' && groupHosts(inv, g).includes(host));
  const priority = (g: string) => Number(inv.groups.get(g)!.vars.ansible_group_priority ?? 1);
  member.sort((a, b) => (depth.get(a) ?? 1) - (depth.get(b) ?? 1) || priority(a) - priority(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Vars = { ...inv.groups.get('all')!.vars };
  for (const g of member) Object.assign(out, inv.groups.get(g)!.vars);
  delete out.ansible_group_priority;
  return Object.assign(out, inv.hostVars.get(host));
}

export type InventoryFormat = 'lines' | 'ini' | 'yaml';

/**
 * Which reader a file gets: its extension, else its first line that says (`[group]` or
 * `key=value` words: INI; `---` or `name:`: YAML); else this tool's own `host [root]` lines,
 * which `--group` turns into Ansible INI (a plain host list reads the same in both).
 */
export function inventoryFormat(file: string, text: string, grouped: boolean): InventoryFormat {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (/\.ini$/i.test(file)) return 'ini';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line === '---' || /^[A-Za-z0-9_.-]+:(\s|$)/.test(line)) return 'yaml';
    if (line.startsWith('[') || /\s\S+=/.test(line)) return 'ini';
    break;
  }
  return grouped ? 'ini' : 'lines';
}

const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

function noAddress(name: string, file: string, why: string): RelupError {
  return new RelupError('CONFIG', `${file}: host ${name} has no address: ${why}`, {
    hint: `give it an ansible_host (or a name ssh can reach); ansible-inventory -i ${file} --host ${name} shows its variables`,
  });
}

/** One host as a rollout target: name for display, address/port/user for ssh, root from `rootVar`. */
export function ansibleHostSpec(inv: AnsibleInventory, name: string, o: { file: string; defaultRoot: string; rootVar: string }): HostSpec {
  const v = hostVariables(inv, name);
  const where = `in ${o.file}`;
  let address = name;
  if ('ansible_host' in v) {
    if (typeof v.ansible_host !== 'string' || v.ansible_host.trim() === '') throw noAddress(name, o.file, `ansible_host is ${JSON.stringify(v.ansible_host ?? null)}`);
    address = v.ansible_host.trim();
  }
  if (!/^[A-Za-z0-9_.:%[\]-]+$/.test(address) || address.startsWith('-')) {
    throw noAddress(name, o.file, `${'ansible_host' in v ? 'ansible_host' : 'its name'} ${JSON.stringify(address)} is not a host name or IP address`);
  }
  const ssh: NonNullable<HostSpec['ssh']> = { address };
  if (v.ansible_port !== undefined && v.ansible_port !== null) {
    const port = Number(v.ansible_port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new RelupError('CONFIG', `${o.file}: host ${name} has ansible_port ${JSON.stringify(v.ansible_port)}, not a port`, { hint: 'give a port number from 1 to 65535' });
    }
    ssh.port = port;
  }
  if (v.ansible_user !== undefined && v.ansible_user !== null) {
    if (typeof v.ansible_user !== 'string' || !USER.test(v.ansible_user)) {
      throw new RelupError('CONFIG', `${o.file}: host ${name} has ansible_user ${JSON.stringify(v.ansible_user)}, not a user name`, { hint: 'give a login name of letters, digits and . _ -' });
    }
    ssh.user = v.ansible_user;
  }
  const root = v[o.rootVar];
  if (root !== undefined && typeof root !== 'string') {
    throw new RelupError('CONFIG', `${o.file}: host ${name} has ${o.rootVar} ${JSON.stringify(root)}, not a path`, { hint: `set ${o.rootVar} to the absolute release root` });
  }
  return {
    dest: checkDest(name, where),
    root: root === undefined ? checkRoot(o.defaultRoot, 'in --root') : checkRoot(root, `(${o.rootVar} of ${name} ${where})`),
    ssh,
  };
}

/** An Ansible inventory's hosts matching `pattern`, in Ansible's order. */
export async function readAnsibleHosts(text: string, o: { file: string; format: 'ini' | 'yaml'; pattern: string; defaultRoot: string; rootVar?: string }): Promise<HostSpec[]> {
  const inv = o.format === 'ini' ? parseAnsibleIni(text, o.file) : await parseAnsibleYaml(text, o.file);
  const names = selectPattern(inv, o.pattern, o.file);
  return names.map((n) => ansibleHostSpec(inv, n, { file: o.file, defaultRoot: o.defaultRoot, rootVar: o.rootVar ?? 'emqx_root' }));
}
