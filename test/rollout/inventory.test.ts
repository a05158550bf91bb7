import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RelupError } from '../../src/errors.js';
import { DEFAULT_ROOT, parseHostList, parseInventory, readInventory, selectHosts } from '../../src/rollout/inventory.js';

function usage(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof RelupError && e.code === 'USAGE' && e.exitCode === 64 && re.test(e.line));
}

describe('parseHostList', () => {
  it('splits on commas, trims, keeps order, applies --root', () => {
    assert.deepEqual(parseHostList('a, root@b ,c.example.com'), [
      { dest: 'a', root: DEFAULT_ROOT },
      { dest: 'root@b', root: DEFAULT_ROOT },
      { dest: 'c.example.com', root: DEFAULT_ROOT },
    ]);
    assert.deepEqual(parseHostList('n1', '/opt/emqx/'), [{ dest: 'n1', root: '/opt/emqx' }]);
  });

  it('refuses empty items, duplicates, option-looking and shell-looking hosts', () => {
    usage(() => parseHostList('a,,b'), /empty host name/);
    usage(() => parseHostList(''), /empty host name/);
    usage(() => parseHostList('a,b,a'), /host a is listed twice/);
    usage(() => parseHostList('-oProxyCommand=x'), /invalid host "-oProxyCommand=x"/);
    usage(() => parseHostList('a;reboot'), /invalid host/);
    usage(() => parseHostList('a b'), /invalid host/);
    usage(() => parseHostList('$(id)'), /invalid host/);
  });

  it('refuses relative, traversing and shell-special roots', () => {
    usage(() => parseHostList('a', 'opt/emqx'), /invalid release root "opt\/emqx" in --root/);
    usage(() => parseHostList('a', '/opt/../etc'), /invalid release root/);
    usage(() => parseHostList('a', "/opt/em'qx"), /invalid release root/);
    usage(() => parseHostList('a', '/opt/emqx*'), /invalid release root/);
    usage(() => parseHostList('a', '/opt/my emqx'), /invalid release root/);
  });
});

describe('parseInventory', () => {
  it('reads one host per line with optional roots, comments and blank lines', () => {
    const text = '# cluster A\n\nnode1\nnode2   /opt/emqx   # custom root\n  emqx@10.0.0.3\t/srv/emqx/\n#node4\n';
    assert.deepEqual(parseInventory(text, '/usr/lib/emqx'), [
      { dest: 'node1', root: '/usr/lib/emqx' },
      { dest: 'node2', root: '/opt/emqx' },
      { dest: 'emqx@10.0.0.3', root: '/srv/emqx' },
    ]);
    assert.deepEqual(parseInventory('a\r\nb /x\r\n', '/r'), [{ dest: 'a', root: '/r' }, { dest: 'b', root: '/x' }]);
  });

  it('names the line of a bad entry', () => {
    usage(() => parseInventory('a\nb /x extra\n', '/r', 'inv'), /too many fields at inv:2/);
    usage(() => parseInventory('a\n-F/etc/x\n', '/r', 'inv'), /invalid host "-F\/etc\/x" at inv:2/);
    usage(() => parseInventory('a relative\n', '/r', 'inv'), /invalid release root "relative" at inv:1/);
    usage(() => parseInventory('# nothing\n', '/r'), /no hosts given/);
    usage(() => parseInventory('a\na /x\n', '/r'), /host a is listed twice/);
  });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-inventory-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads a file, and reports a missing one as NOT_FOUND (66)', async () => {
    const f = path.join(dir, 'hosts');
    fs.writeFileSync(f, 'x /a\ny\n');
    assert.deepEqual(await readInventory(f, '/b'), [{ dest: 'x', root: '/a' }, { dest: 'y', root: '/b' }]);
    await assert.rejects(readInventory(path.join(dir, 'nope')), (e: unknown) => e instanceof RelupError && e.code === 'NOT_FOUND' && e.exitCode === 66);
  });
});

describe('selectHosts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-select-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const inv = path.join(dir, 'inventory');
  fs.writeFileSync(inv, 'a /opt/a\nb\nc /opt/c # third\nd\n');

  it('narrows an inventory to --limit, in inventory order, keeping each host root', async () => {
    assert.deepEqual(await selectHosts({ inventory: inv, limit: 'c, a' }), [
      { dest: 'a', root: '/opt/a' },
      { dest: 'c', root: '/opt/c' },
    ]);
    assert.deepEqual((await selectHosts({ hosts: 'x,y,z', limit: 'y' })).map((h) => h.dest), ['y']);
    assert.equal((await selectHosts({ inventory: inv, root: '/srv/emqx' })).length, 4);
  });

  it('refuses a --limit naming a host the inventory does not have, an empty name, or both or neither source', async () => {
    const rejects = (o: Parameters<typeof selectHosts>[0], re: RegExp) =>
      assert.rejects(selectHosts(o), (e: unknown) => e instanceof RelupError && e.code === 'USAGE' && e.exitCode === 64 && re.test(e.line));
    await rejects({ inventory: inv, limit: 'a,e,f' }, new RegExp(`^--limit names e, f, not in ${inv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; name hosts exactly`));
    await rejects({ hosts: 'a,b', limit: 'a,,b' }, /^empty host name in --limit/);
    await rejects({ hosts: 'a', inventory: inv }, /^give exactly one of --hosts and --inventory/);
    await rejects({}, /^give exactly one of --hosts and --inventory/);
  });
});
