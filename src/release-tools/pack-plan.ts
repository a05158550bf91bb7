// Pure decisions of `emqx-relup pack`: which release the input holds (version, edition, .rel),
// what the package is called, and which bytes become bin/emqx-<v> and bin/install_upgrade.escript-<v>.
// Every refusal is a RelupError raised before anything is written under the final name.
import { companionNames } from '../release/script-names.js';
import { RelupError } from '../errors.js';
import { type Edition, editionFromIsEnterprise, packageFileName, parsePackageName, type PackageName } from '../version/index.js';
import { releaseVersionOf, type RelFile } from './release-facts.js';
import { escriptName, MAX_SCRIPT_BYTES, runnerName, type ScriptKind } from './layout.js';

/** Metadata gathered from the input while streaming it. */
export interface InputFacts {
  vars: Map<string, string> | null;
  startErl: { erts: string; version: string } | null;
  rels: RelFile[];
  /** `.rel` members whose head could not be parsed. */
  badRels: string[];
  /** Directory names seen under releases/ (from any member below them), in input order. */
  releaseDirs: string[];
}

export interface Claimed {
  version?: string | undefined;
  edition?: Edition | undefined;
  /** The input's own file name when it parses as a package name. */
  inputName?: PackageName | null | undefined;
}

export interface Release {
  version: string;
  edition: Edition;
  relName: string;
  rel: RelFile;
  warnings: string[];
}

const bad = (message: string, hint: string): RelupError => new RelupError('BAD_PACKAGE', message, { hint });

function versionOf(facts: InputFacts, claimed: Claimed): string {
  const v = releaseVersionOf({ varsVersion: facts.vars?.get('REL_VSN'), startErlVersion: facts.startErl?.version, rels: facts.rels });
  if (v.kind === 'found') return v.version;
  if (v.kind === 'none') {
    throw bad('no releases/<version>/ with a .rel file in the input', 'pack a release made by relx or systools:make_tar');
  }
  if (claimed.version !== undefined && v.versions.includes(claimed.version)) return claimed.version;
  throw new RelupError('AMBIGUOUS_PACKAGE', `the input holds several releases (${v.versions.join(', ')}) and no releases/emqx_vars`, {
    hint: 'pass --version to choose one',
  });
}

/** Reads version, edition and .rel from the facts and checks them against what was claimed. */
export function resolveRelease(facts: InputFacts, claimed: Claimed): Release {
  const warnings: string[] = [];
  const version = versionOf(facts, claimed);
  if (claimed.version !== undefined && claimed.version !== version) {
    throw new RelupError('CONFIG', `--version ${claimed.version} does not match the release, which is ${version}`, {
      hint: 'drop --version or pack the right release',
    });
  }
  if (claimed.inputName && claimed.inputName.version !== version) {
    throw bad(`the input is named for version ${claimed.inputName.version} but holds release ${version}`, 'rename the input or pack the right release');
  }
  if (!facts.releaseDirs.includes(version)) {
    throw bad(`the input has no releases/${version}/`, 'pack a complete release (relx release or systools:make_tar output)');
  }
  const relName = facts.vars?.get('REL_NAME');
  const inDir = facts.rels.filter((r) => r.path.startsWith(`releases/${version}/`));
  const rel = inDir.find((r) => relName !== undefined && r.path === `releases/${version}/${relName}.rel`) ?? inDir[0];
  if (!rel) {
    const unparsed = facts.badRels.filter((p) => p.startsWith(`releases/${version}/`));
    throw bad(
      unparsed.length > 0 ? `${unparsed[0]} is not a valid .rel file` : `releases/${version}/ has no .rel file`,
      'pack a complete release (relx release or systools:make_tar output)',
    );
  }
  if (rel.version !== version) {
    throw bad(`${rel.path} is for version ${rel.version}, not ${version}`, 'rebuild the release so its .rel and releases/<version>/ agree');
  }
  let edition: Edition;
  const isEnterprise = facts.vars?.get('IS_ENTERPRISE');
  if (isEnterprise !== undefined) {
    edition = editionFromIsEnterprise(isEnterprise);
    if (claimed.edition !== undefined && claimed.edition !== edition) {
      throw new RelupError('EDITION_MISMATCH', `--edition ${claimed.edition} does not match the release, which is ${edition} (IS_ENTERPRISE=${isEnterprise})`, {
        hint: 'drop --edition or pack the right release',
      });
    }
  } else if (claimed.edition !== undefined) {
    edition = claimed.edition;
  } else if (claimed.inputName) {
    edition = claimed.inputName.edition;
  } else {
    edition = 'community';
    warnings.push('the release has no IS_ENTERPRISE in releases/emqx_vars; packing as community (use --edition to choose)');
  }
  if (claimed.inputName && claimed.inputName.edition !== edition) {
    throw new RelupError('EDITION_MISMATCH', `the input is named for the ${claimed.inputName.edition} edition but the release is ${edition}`, {
      hint: 'rename the input or pack the right release',
    });
  }
  return { version, edition, relName: relName ?? rel.name, rel, warnings };
}

/** The output file name; refuses a platform the bootstrapper's name grammar would misread. */
export function outputFileName(edition: Edition, version: string, platform: string | null): string {
  const file = packageFileName(edition, version, platform);
  const back = parsePackageName(file);
  if (!back || back.version !== version || back.platform !== platform || back.edition !== edition) {
    throw new RelupError('USAGE', `--platform ${JSON.stringify(platform)} would make ${JSON.stringify(file)}, which does not read back as version ${version}`, {
      hint: 'use an OTP/OS/arch platform such as ubuntu22.04-amd64 or otp25.3-el8-amd64',
    });
  }
  return file;
}

/** A candidate for one of the two versioned scripts. */
export interface ScriptCandidate {
  /** Where it comes from, for messages: `bin/emqx`, `--runner /x/y`, ... */
  origin: string;
  /** Null when the member is not a regular file (then `type` says what it is). */
  data: Buffer | null;
  type: string;
}

export interface ScriptChoice {
  runner: ScriptCandidate & { data: Buffer };
  escript: ScriptCandidate & { data: Buffer };
  /** Versioned members of the input replaced by an override. */
  replaced: string[];
}

function checkScript(kind: ScriptKind, c: ScriptCandidate | undefined, version: string, hint: string): ScriptCandidate & { data: Buffer } {
  const target = kind === 'runner' ? runnerName(version) : escriptName(version);
  if (!c) {
    const source = kind === 'runner' ? 'bin/emqx' : 'bin/install_upgrade.escript';
    throw bad(`the input has neither ${target} nor ${source} to make ${target} from`, hint);
  }
  if (c.data === null) throw bad(`${c.origin} is a ${c.type}, not a regular file, and cannot become ${target}`, hint);
  if (c.data.length === 0) throw bad(`${c.origin} is empty and cannot become ${target}`, hint);
  if (c.data.length > MAX_SCRIPT_BYTES) throw bad(`${c.origin} is over 16 MiB and cannot become ${target}`, hint);
  return c as ScriptCandidate & { data: Buffer };
}

/**
 * Picks each script: an override (--runner/--wrapper, --escript) first, then a versioned member of
 * the input for this version (so packing a packed release changes nothing), then the release's own
 * bin/emqx and bin/install_upgrade.escript.
 */
export function chooseScripts(
  version: string,
  overrides: { runner?: ScriptCandidate | undefined; escript?: ScriptCandidate | undefined },
  versioned: { runner?: ScriptCandidate | undefined; escript?: ScriptCandidate | undefined },
  sources: { runner?: ScriptCandidate | undefined; escript?: ScriptCandidate | undefined },
): ScriptChoice {
  const replaced: string[] = [];
  const pick = (kind: ScriptKind): ScriptCandidate & { data: Buffer } => {
    const o = overrides[kind];
    const v = versioned[kind];
    if (o && v) replaced.push(v.origin);
    const hint = kind === 'runner' ? 'pass --runner FILE or --wrapper' : 'pass --escript FILE';
    return checkScript(kind, o ?? v ?? sources[kind], version, hint);
  };
  return { runner: pick('runner'), escript: pick('escript'), replaced };
}

// EMQX's escript copies the companions after make_permanent and crashes, the node already
// permanent, when one is missing: pack adds those the release has.
export { companionNames };

export interface Addition {
  /** Member name to add. */
  name: string;
  /** The member of the input it copies. */
  from: string;
}

/**
 * What the package needs beside the two scripts for an EMQX-style escript: each companion's
 * versioned copy (when the release has the plain one and not the copy), and
 * releases/<v>/<rel>.rel, since that escript unpacks the package as "<v>/<rel>".
 */
export function additions(version: string, relName: string, rel: RelFile, members: ReadonlySet<string>): { add: Addition[]; missing: string[] } {
  const add: Addition[] = [];
  const missing: string[] = [];
  for (const plain of companionNames(relName)) {
    const versioned = `${plain}-${version}`;
    if (members.has(versioned)) continue;
    if (members.has(plain)) add.push({ name: versioned, from: plain });
    else missing.push(versioned);
  }
  const relForEscript = `releases/${version}/${relName}.rel`;
  if (!members.has(relForEscript)) add.push({ name: relForEscript, from: rel.path });
  return { add, missing };
}

/** `/etc/os-release` fields and Node's `process.arch`, for the default platform part. */
export interface MachineFacts {
  osRelease: string | null;
  arch: string;
}

function osReleaseField(text: string, key: string): string | null {
  const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim().replace(/^(["'])(.*)\1$/, '$2') : null;
}

/** This machine's platform as EMQX names its packages (`ubuntu22.04-amd64`, `el8-arm64`); null when unknown. */
export function machinePlatform(m: MachineFacts): string | null {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[m.arch];
  if (!arch || m.osRelease === null) return null;
  const id = osReleaseField(m.osRelease, 'ID') ?? '';
  const like = (osReleaseField(m.osRelease, 'ID_LIKE') ?? '').split(/\s+/);
  const ver = osReleaseField(m.osRelease, 'VERSION_ID') ?? '';
  const major = /^\d+/.exec(ver)?.[0];
  let os: string | null = null;
  if (id === 'ubuntu' && /^\d+\.\d+$/.test(ver)) os = `ubuntu${ver}`;
  else if ((id === 'debian' || id === 'raspbian') && major) os = `${id}${major}`;
  else if (id === 'amzn' && major) os = `amzn${major}`;
  else if ((['rhel', 'centos', 'rocky', 'almalinux', 'ol'].includes(id) || like.includes('rhel')) && major) os = `el${major}`;
  else if (id === 'alpine' && /^\d+\.\d+/.test(ver)) os = `alpine${/^\d+\.\d+/.exec(ver)![0]}`;
  return os ? `${os}-${arch}` : null;
}

/**
 * The platform part of the package name: --platform, else the input's own (packing a package
 * keeps its name), else this machine's. EMQX's runner looks for releases/<base>-<v>-*.tar.gz, so a
 * name without one is never found by it: with nothing to go by, pack refuses.
 */
export function choosePlatform(given: string | null | undefined, inputName: PackageName | null | undefined, machine: MachineFacts): { platform: string | null; warning: string | null } {
  if (given !== undefined) return { platform: given, warning: null };
  if (inputName?.platform) return { platform: inputName.platform, warning: null };
  const m = machinePlatform(machine);
  if (m === null) {
    throw new RelupError('USAGE', "cannot tell this machine's platform for the package name, and EMQX's runner only finds <base>-<version>-<platform>.tar.gz", {
      hint: 'pass --platform, e.g. --platform ubuntu22.04-amd64',
    });
  }
  return { platform: m, warning: `no --platform: the package is named for this machine (${m}); pass --platform to name the release's own` };
}
