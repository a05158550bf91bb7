// Grammar of release package file names:
//   <base>-<version>[-<platform>].tar.gz     base = emqx | emqx-enterprise
// A SemVer pre-release may itself contain '-', so the platform starts at the first '-' whose
// next token looks like an OTP/OS/arch tag. That keeps 5.0.1 from matching 5.0.10, 5.0.1-rc.1
// or 5.0.1-g1a2b3c4d: the version is always the exact string before the platform.
import { isVersion } from './order.js';
import { type Edition, packageBase, splitEditionPrefix } from './edition.js';

export interface PackageName {
  file: string;
  edition: Edition;
  base: string;
  version: string;
  platform: string | null;
}

const PLATFORM_TOKEN =
  /^(otp\d[0-9A-Za-z.]*|elixir[0-9A-Za-z.]*|ubuntu\d[0-9.]*|debian\d+|el\d+|centos\d+|rocky\d+|rhel\d+|amzn\d+|raspbian\d+|alpine[0-9.]*|macos[0-9.]*|windows|linux|amd64|arm64|x86_64|aarch64|armhf|arm|noarch)$/;

const SUFFIX = '.tar.gz';

export function isPlatformToken(token: string): boolean {
  return PLATFORM_TOKEN.test(token);
}

/** Parses a package file name (no directory part); null when it is not one. */
export function parsePackageName(file: string): PackageName | null {
  if (!file.endsWith(SUFFIX) || file.includes('/')) return null;
  const stem = file.slice(0, -SUFFIX.length);
  const split = splitEditionPrefix(stem);
  if (!split) return null;
  const { edition, rest } = split;
  const core = /^\d+\.\d+\.\d+/.exec(rest);
  if (!core) return null;
  const tail = rest.slice(core[0].length);
  let version = rest;
  let platform: string | null = null;
  for (let i = tail.indexOf('-'); i !== -1; i = tail.indexOf('-', i + 1)) {
    const token = tail.slice(i + 1).split('-', 1)[0] ?? '';
    if (isPlatformToken(token)) {
      version = core[0] + tail.slice(0, i);
      platform = tail.slice(i + 1);
      break;
    }
  }
  if (!isVersion(version)) return null;
  if (platform !== null && !/^[0-9A-Za-z._+-]+$/.test(platform)) return null;
  return { file, edition, base: packageBase[edition], version, platform };
}

export function packageFileName(edition: Edition, version: string, platform?: string | null): string {
  return `${packageBase[edition]}-${version}${platform ? `-${platform}` : ''}${SUFFIX}`;
}
