import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelupError } from '../../src/errors.js';
import { additions, choosePlatform, machinePlatform, chooseScripts, outputFileName, type InputFacts, resolveRelease } from '../../src/release-tools/pack-plan.js';
import { parsePackageName } from '../../src/version/index.js';

const rel = (v: string, dir = v, name = 'emqx') => ({ path: `releases/${dir}/${name}.rel`, name, version: v, erts: '13.1' });
function facts(over: Partial<InputFacts> = {}): InputFacts {
  return {
    vars: new Map([
      ['REL_VSN', '5.0.1'],
      ['REL_NAME', 'emqx'],
      ['IS_ENTERPRISE', 'no'],
    ]),
    startErl: null,
    rels: [rel('5.0.1')],
    badRels: [],
    releaseDirs: ['5.0.1'],
    ...over,
  };
}
const fails = (f: () => unknown, code: string, re: RegExp) =>
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof RelupError);
    assert.equal(e.code, code);
    assert.match(e.message, re);
    return true;
  });

describe('resolveRelease', () => {
  it('takes version and edition from emqx_vars', () => {
    const r = resolveRelease(facts(), {});
    assert.equal(r.version, '5.0.1');
    assert.equal(r.edition, 'community');
    assert.equal(r.relName, 'emqx');
    assert.deepEqual(r.warnings, []);
    assert.equal(resolveRelease(facts({ vars: new Map([['REL_VSN', '5.0.1'], ['IS_ENTERPRISE', 'yes']]) }), { edition: 'enterprise' }).edition, 'enterprise');
  });

  it('falls back to start_erl.data, then to the only releases/<v>/*.rel', () => {
    assert.equal(resolveRelease(facts({ vars: null, startErl: { erts: '1', version: '5.0.1' } }), {}).version, '5.0.1');
    const only = resolveRelease(facts({ vars: null }), {});
    assert.equal(only.version, '5.0.1');
    assert.match(only.warnings[0]!, /packing as community/);
    assert.equal(resolveRelease(facts({ vars: null }), { inputName: parsePackageName('emqx-enterprise-5.0.1.tar.gz') }).edition, 'enterprise');
  });

  it('asks for --version when several releases are present and nothing says which', () => {
    const several = facts({ vars: null, rels: [rel('5.0.0'), rel('5.0.1')], releaseDirs: ['5.0.0', '5.0.1'] });
    fails(() => resolveRelease(several, {}), 'AMBIGUOUS_PACKAGE', /several releases \(5\.0\.0, 5\.0\.1\)/);
    assert.equal(resolveRelease(several, { version: '5.0.0' }).version, '5.0.0');
  });

  it('refuses disagreements and missing pieces', () => {
    fails(() => resolveRelease(facts(), { version: '5.0.2' }), 'CONFIG', /--version 5\.0\.2 does not match/);
    fails(() => resolveRelease(facts(), { edition: 'enterprise' }), 'EDITION_MISMATCH', /--edition enterprise/);
    fails(() => resolveRelease(facts(), { inputName: parsePackageName('emqx-5.0.10.tar.gz') }), 'BAD_PACKAGE', /named for version 5\.0\.10/);
    fails(() => resolveRelease(facts(), { inputName: parsePackageName('emqx-enterprise-5.0.1.tar.gz') }), 'EDITION_MISMATCH', /named for the enterprise edition/);
    fails(() => resolveRelease(facts({ releaseDirs: ['5.0.0'] }), {}), 'BAD_PACKAGE', /no releases\/5\.0\.1\//);
    fails(() => resolveRelease(facts({ rels: [] }), {}), 'BAD_PACKAGE', /releases\/5\.0\.1\/ has no \.rel/);
    fails(() => resolveRelease(facts({ rels: [], badRels: ['releases/5.0.1/emqx.rel'] }), {}), 'BAD_PACKAGE', /not a valid \.rel/);
    fails(() => resolveRelease(facts({ rels: [rel('5.0.2', '5.0.1')] }), {}), 'BAD_PACKAGE', /is for version 5\.0\.2, not 5\.0\.1/);
    fails(() => resolveRelease(facts({ vars: null, rels: [] }), {}), 'BAD_PACKAGE', /no releases\/<version>\/ with a \.rel/);
  });
});

describe('outputFileName', () => {
  it('names the package so the bootstrapper reads it back', () => {
    assert.equal(outputFileName('community', '5.0.1', null), 'emqx-5.0.1.tar.gz');
    assert.equal(outputFileName('enterprise', '5.0.14-rc.1', 'ubuntu22.04-amd64'), 'emqx-enterprise-5.0.14-rc.1-ubuntu22.04-amd64.tar.gz');
    fails(() => outputFileName('community', '5.0.1', 'rc.1'), 'USAGE', /does not read back/);
    fails(() => outputFileName('community', '5.0.1', 'x y'), 'USAGE', /--platform/);
  });
});

describe('chooseScripts', () => {
  const c = (origin: string, text: string | null, type = 'file') => ({ origin, data: text === null ? null : Buffer.from(text), type });
  it('prefers overrides, then versioned members, then the release scripts', () => {
    const src = { runner: c('bin/emqx', 'r'), escript: c('bin/install_upgrade.escript', 'e') };
    assert.equal(chooseScripts('5.0.1', {}, {}, src).runner.origin, 'bin/emqx');
    const ver = { runner: c('bin/emqx-5.0.1', 'rv') };
    assert.equal(chooseScripts('5.0.1', {}, ver, src).runner.origin, 'bin/emqx-5.0.1');
    const o = chooseScripts('5.0.1', { runner: c('--runner x', 'ro') }, ver, src);
    assert.equal(o.runner.origin, '--runner x');
    assert.deepEqual(o.replaced, ['bin/emqx-5.0.1']);
  });
  it('refuses missing, empty, non-regular and oversize scripts', () => {
    fails(() => chooseScripts('5.0.1', {}, {}, { escript: c('e', 'e') }), 'BAD_PACKAGE', /neither bin\/emqx-5\.0\.1 nor bin\/emqx/);
    fails(() => chooseScripts('5.0.1', {}, {}, { runner: c('bin/emqx', ''), escript: c('e', 'e') }), 'BAD_PACKAGE', /bin\/emqx is empty/);
    fails(() => chooseScripts('5.0.1', {}, {}, { runner: c('bin/emqx', null, 'symlink'), escript: c('e', 'e') }), 'BAD_PACKAGE', /is a symlink/);
    const big = { origin: 'bin/emqx', data: Buffer.alloc(16 * 1024 * 1024 + 1), type: 'file' };
    fails(() => chooseScripts('5.0.1', {}, {}, { runner: big, escript: c('e', 'e') }), 'BAD_PACKAGE', /over 16 MiB/);
  });
});

describe('pack-plan: what an EMQX-style escript needs', () => {
  const rel = { path: 'releases/emqx-5.0.1.rel', name: 'emqx', version: '5.0.1', erts: '13.1.5' };
  it('additions: versioned companions from plain ones, releases/<v>/<rel>.rel when missing', () => {
    const cases: Array<[string[], string[], string[]]> = [
      [['bin/emqx_ctl', 'bin/nodetool', 'releases/5.0.1/emqx.rel'], ['bin/emqx_ctl-5.0.1', 'bin/nodetool-5.0.1'], []],
      [['bin/emqx_ctl', 'bin/emqx_ctl-5.0.1', 'bin/nodetool', 'bin/nodetool-5.0.1', 'releases/5.0.1/emqx.rel'], [], []],
      [['bin/nodetool'], ['bin/nodetool-5.0.1', 'releases/5.0.1/emqx.rel'], ['bin/emqx_ctl-5.0.1']],
      [[], ['releases/5.0.1/emqx.rel'], ['bin/emqx_ctl-5.0.1', 'bin/nodetool-5.0.1']],
    ];
    for (const [members, add, missing] of cases) {
      const r = additions('5.0.1', 'emqx', rel, new Set(members));
      assert.deepEqual(r.add.map((a) => a.name), add, members.join(' '));
      assert.deepEqual(r.missing, missing, members.join(' '));
    }
    assert.deepEqual(additions('5.0.1', 'emqx', rel, new Set()).add.find((a) => a.name.endsWith('.rel'))?.from, 'releases/emqx-5.0.1.rel');
  });

  it('machinePlatform: os-release and arch as EMQX names its packages', () => {
    const os = (id: string, ver: string, like = '') => `ID=${id}\nVERSION_ID="${ver}"\n${like ? `ID_LIKE="${like}"\n` : ''}`;
    const cases: Array<[string | null, string, string | null]> = [
      [os('ubuntu', '22.04'), 'x64', 'ubuntu22.04-amd64'],
      [os('debian', '12'), 'arm64', 'debian12-arm64'],
      [os('rocky', '8.9', 'rhel centos fedora'), 'x64', 'el8-amd64'],
      [os('almalinux', '9.3', 'rhel centos fedora'), 'x64', 'el9-amd64'],
      [os('amzn', '2023', 'fedora'), 'x64', 'amzn2023-amd64'],
      [os('alpine', '3.19.1'), 'x64', 'alpine3.19-amd64'],
      [os('ubuntu', '22.04'), 'ia32', null],
      [os('gentoo', '2.14'), 'x64', null],
      [null, 'x64', null],
    ];
    for (const [osRelease, arch, want] of cases) assert.equal(machinePlatform({ osRelease, arch }), want, `${osRelease} ${arch}`);
  });

  it('choosePlatform: given, else the input name, else the machine with a warning, else refused', () => {
    const m = { osRelease: 'ID=debian\nVERSION_ID="12"\n', arch: 'x64' };
    assert.deepEqual(choosePlatform('el8-amd64', null, m), { platform: 'el8-amd64', warning: null });
    assert.deepEqual(choosePlatform(null, null, m), { platform: null, warning: null });
    const named = { file: 'emqx-5.0.1-el8-amd64.tar.gz', edition: 'community' as const, base: 'emqx', version: '5.0.1', platform: 'el8-amd64' };
    assert.deepEqual(choosePlatform(undefined, named, m), { platform: 'el8-amd64', warning: null });
    const d = choosePlatform(undefined, { ...named, platform: null }, m);
    assert.equal(d.platform, 'debian12-amd64');
    assert.match(d.warning!, /named for this machine/);
    fails(() => choosePlatform(undefined, null, { osRelease: null, arch: 'x64' }), 'USAGE', /cannot tell this machine's platform/);
  });
});
