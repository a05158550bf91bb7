// A run killed between the two commit renames leaves a new emqx-<v> beside the old escript. The
// commit journal lets the next run put the pair back as it was before that run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync, readFileSync, linkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { cleanStaleTemps } from '../../src/package/extract.js';

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

test('a commit cut between its renames is rolled back by the next run', (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'relup-journal-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  const pid = deadPid();
  // Before the dead run: only the escript of 5.0.1 was there (an old copy).
  writeFileSync(join(bin, 'install_upgrade.escript-5.0.1'), 'old escript\n', { mode: 0o755 });
  // The dead run: backup of the escript, first rename done (emqx-5.0.1 new), second not (tmp left).
  const bak = `.install_upgrade.escript-5.0.1.relup-${pid}-aaaa0001.old.tmp`;
  linkSync(join(bin, 'install_upgrade.escript-5.0.1'), join(bin, bak));
  writeFileSync(join(bin, 'emqx-5.0.1'), 'new runner\n', { mode: 0o755 });
  const tmp2 = `.install_upgrade.escript-5.0.1.relup-${pid}-aaaa0002.tmp`;
  writeFileSync(join(bin, tmp2), 'new escript\n', { mode: 0o755 });
  const journal = `.relup-commit-${pid}-abcd1234.journal`;
  writeFileSync(
    join(bin, journal),
    JSON.stringify([
      { dest: 'emqx-5.0.1', tmp: `.emqx-5.0.1.relup-${pid}-aaaa0003.tmp`, backup: null },
      { dest: 'install_upgrade.escript-5.0.1', tmp: tmp2, backup: bak },
    ]),
  );
  return cleanStaleTemps(bin).then((removed) => {
    assert.ok(removed.includes(journal));
    assert.deepEqual(readdirSync(bin).sort(), ['install_upgrade.escript-5.0.1']);
    assert.equal(readFileSync(join(bin, 'install_upgrade.escript-5.0.1'), 'utf8'), 'old escript\n');
  });
});

test('a commit whose renames all completed is rolled back to the old pair too (consistent either way)', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'relup-journal-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  const pid = deadPid();
  writeFileSync(join(bin, 'emqx-5.0.1'), 'new runner\n');
  writeFileSync(join(bin, 'install_upgrade.escript-5.0.1'), 'new escript\n');
  const journal = `.relup-commit-${pid}-abcd1234.journal`;
  writeFileSync(
    join(bin, journal),
    JSON.stringify([
      { dest: 'emqx-5.0.1', tmp: `.emqx-5.0.1.relup-${pid}-aaaa0003.tmp`, backup: null },
      { dest: 'install_upgrade.escript-5.0.1', tmp: `.install_upgrade.escript-5.0.1.relup-${pid}-aaaa0004.tmp`, backup: null },
      { dest: '../outside', tmp: 'x', backup: null },
    ]),
  );
  writeFileSync(join(bin, '..', 'outside-sentinel'), 'keep');
  t.after(() => rmSync(join(bin, '..', 'outside-sentinel'), { force: true }));
  await cleanStaleTemps(bin);
  assert.deepEqual(readdirSync(bin), []);
  assert.ok(existsSync(join(bin, '..', 'outside-sentinel')), 'a journal entry naming another directory is ignored');
});

test('a journal of a live run is left alone', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'relup-journal-'));
  t.after(() => rmSync(bin, { recursive: true, force: true }));
  writeFileSync(join(bin, 'emqx-5.0.1'), 'runner\n');
  const journal = `.relup-commit-${process.ppid}-abcd1234.journal`;
  writeFileSync(join(bin, journal), JSON.stringify([{ dest: 'emqx-5.0.1', tmp: 'gone.tmp', backup: null }]));
  await cleanStaleTemps(bin);
  assert.deepEqual(readdirSync(bin).sort(), [journal, 'emqx-5.0.1'].sort());
});
