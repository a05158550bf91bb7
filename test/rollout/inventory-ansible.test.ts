// Ansible inventories, read as Ansible reads them: every sample here is also read by Debian's
// ansible-core (ansible --list-hosts for the pattern's hosts and order, ansible-inventory --list
// for each host's variables), and our reading must agree on hosts, order, address, port, user
// and release root. Then bad inventories: one-line errors, each with its own exit code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelupError } from '../../src/errors.js';
import { expandHostPattern, inventoryFormat, parseAnsibleIni, readAnsibleHosts, selectPattern } from '../../src/rollout/inventory-ansible.js';
import { readInventory, selectHosts } from '../../src/rollout/inventory.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const samples = path.join(repo, 'test/rollout/inventory-ansible');
const RELUP = path.join(repo, 'bin/emqx-relup');
const DEFAULT = '/var/lib/emqx-default';

/** Ansible's own reading: the pattern's hosts in order, each with what a rollout uses. */
function ansibleReading(file: string, pattern: string) {
  const env = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'False', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'False' };
  const listed = execFileSync('ansible', ['-i', file, '--list-hosts', pattern], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
  const names = listed.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
  const vars = JSON.parse(execFileSync('ansible-inventory', ['-i', file, '--list'], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }))._meta.hostvars;
  return names.map((n) => {
    const v = vars[n] ?? {};
    return {
      dest: n,
      address: v.ansible_host ?? n,
      port: v.ansible_port === undefined ? undefined : Number(v.ansible_port),
      user: v.ansible_user,
      root: v.emqx_root ?? DEFAULT,
    };
  });
}

const CASES: Array<[string, string[]]> = [
  ['fleet.ini', ['all', 'emqx', 'emqx_core', 'emqx_replicant', 'canary', 'emqx:!canary', 'emqx:&canary', 'rep*', 'core1,edge-b', 'ungrouped', '~core[13]']],
  ['fleet.yml', ['all', 'emqx', 'emqx_core', 'emqx_replicant', 'canary', 'emqx:!canary', 'edge-*']],
  ['toplevel.yaml', ['all', 'emqx', 'db', 'emqx:&db', 'empty:db']],
  ['plain.ini', ['all', 'g', 'ungrouped']],
];

for (const [name, patterns] of CASES) {
  test(`${name}: hosts, order, address, port, user and root agree with ansible-inventory`, async () => {
    const file = path.join(samples, name);
    const text = fs.readFileSync(file, 'utf8');
    const format = inventoryFormat(file, text, true);
    assert.notEqual(format, 'lines');
    for (const pattern of patterns) {
      const ours = (await readAnsibleHosts(text, { file, format: format as 'ini' | 'yaml', pattern, defaultRoot: DEFAULT })).map((h) => ({
        dest: h.dest,
        address: h.ssh!.address,
        port: h.ssh!.port,
        user: h.ssh!.user,
        root: h.root,
      }));
      assert.deepEqual(ours, ansibleReading(file, pattern), `${name} --group ${pattern}`);
    }
  });
}

test('which reader a file gets: extension, then its first line, else our own host lines', () => {
  const cases: Array<[string, string, boolean, string]> = [
    ['hosts.yml', 'anything', false, 'yaml'],
    ['hosts.YAML', '', false, 'yaml'],
    ['hosts.ini', 'n1\n', false, 'ini'],
    ['hosts', '# c\n[emqx]\nn1\n', false, 'ini'],
    ['hosts', 'n1 ansible_host=10.0.0.1\n', false, 'ini'],
    ['hosts', '---\nall:\n', false, 'yaml'],
    ['hosts', 'all:\n  hosts:\n', false, 'yaml'],
    ['hosts', 'n1 /opt/emqx\nn2\n', false, 'lines'],
    ['hosts', 'n1 /opt/emqx\nn2\n', true, 'ini'],
    ['hosts', '', false, 'lines'],
  ];
  for (const [file, text, grouped, want] of cases) assert.equal(inventoryFormat(file, text, grouped), want, `${file} ${JSON.stringify(text)} ${grouped}`);
});

test('host ranges expand as Ansible expands them', () => {
  assert.deepEqual(expandHostPattern('web[01:03]'), ['web01', 'web02', 'web03']);
  assert.deepEqual(expandHostPattern('db-[a:c]'), ['db-a', 'db-b', 'db-c']);
  assert.deepEqual(expandHostPattern('s[1:6:2].x'), ['s1.x', 's3.x', 's5.x']);
  assert.deepEqual(expandHostPattern('r[1:2]-[a:b]'), ['r1-a', 'r1-b', 'r2-a', 'r2-b']);
  assert.deepEqual(expandHostPattern('plain'), ['plain']);
});

async function failure(p: Promise<unknown>): Promise<RelupError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RelupError, String(e));
    assert.doesNotMatch(e.message, /\n/, 'one line');
    return e;
  }
  assert.fail('expected an error');
}

function scratch(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-ansible-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('bad inventories: no address (78), unknown group (66), YAML syntax error with its line (64)', async () => {
  const empty = scratch('hosts.ini', '[emqx]\nn1 ansible_host=10.0.0.1\nn2 ansible_host=\n');
  let e = await failure(readInventory(empty, DEFAULT, 'emqx'));
  assert.deepEqual([e.code, e.exitCode], ['CONFIG', 78]);
  assert.match(e.message, /host n2 has no address: ansible_host is ""/);
  const nullHost = scratch('hosts.yml', 'all:\n  hosts:\n    n1:\n      ansible_host:\n');
  e = await failure(readInventory(nullHost, DEFAULT));
  assert.deepEqual([e.code, e.exitCode], ['CONFIG', 78]);
  assert.match(e.message, /host n1 has no address: ansible_host is null/);

  e = await failure(readInventory(path.join(samples, 'fleet.ini'), DEFAULT, 'emqx:!canray'));
  assert.deepEqual([e.code, e.exitCode], ['NOT_FOUND', 66]);
  assert.match(e.message, /no group or host "canray"/);
  assert.match(e.hint ?? '', /canary/);

  const bad = scratch('hosts.yml', 'all:\n  hosts:\n    n1:\n      ansible_host: 10.0.0.1\n     ansible_port: 22\n');
  e = await failure(readInventory(bad, DEFAULT));
  assert.deepEqual([e.code, e.exitCode], ['USAGE', 64]);
  assert.match(e.message, /hosts\.yml:5: YAML syntax error/);
  // Ansible refuses the same file.
  assert.notEqual(spawnSync('ansible-inventory', ['-i', bad, '--list'], { env: { ...process.env, ANSIBLE_INVENTORY_UNPARSED_FAILED: 'True' } }).status, 0);
});

test('from the command line: a one-line error and its exit code, before any host is contacted', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [RELUP, 'status', ...args], { encoding: 'utf8' });
  let r = run(['--inventory', path.join(samples, 'fleet.ini'), '--group', 'nope']);
  assert.equal(r.status, 66, r.stderr);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no group or host "nope"/);
  r = run(['--hosts', 'a', '--group', 'emqx']);
  assert.equal(r.status, 64, r.stderr);
  assert.match(r.stderr, /--group needs --inventory/);
});

test('--limit narrows an Ansible group by host name; a plain host list still reads as before', async () => {
  const hosts = await selectHosts({ inventory: path.join(samples, 'fleet.ini'), group: 'emqx', limit: 'core3,rep02.example.net' });
  assert.deepEqual(hosts.map((h) => [h.dest, h.root]), [['core3', '/opt/emqx-core3'], ['rep02.example.net', '/srv/emqx']]);
  const plain = scratch('hosts', 'n1 /opt/a\nn2\n');
  assert.deepEqual(await readInventory(plain, DEFAULT), [{ dest: 'n1', root: '/opt/a' }, { dest: 'n2', root: DEFAULT }]);
});

test('INI details: section kinds, key=value checks, patterns over a parsed inventory', () => {
  assert.throws(() => parseAnsibleIni('[g:bogus]\n', 'f'), /f:1: unknown section kind :bogus/);
  assert.throws(() => parseAnsibleIni('[g:vars]\nnovalue\n', 'f'), /f:2: expected key=value/);
  assert.throws(() => parseAnsibleIni('n1 stray\n', 'f'), /f:1: expected key=value after the host/);
  const inv = parseAnsibleIni('[a]\nx\ny\n[b]\ny\nz\n', 'f');
  assert.deepEqual(selectPattern(inv, 'a:b', 'f'), ['x', 'y', 'z']);
  assert.deepEqual(selectPattern(inv, 'a:&b', 'f'), ['y']);
  assert.deepEqual(selectPattern(inv, 'all:!a', 'f'), ['z']);
});
