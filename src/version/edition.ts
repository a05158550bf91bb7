export type Edition = 'community' | 'enterprise';

export const packageBase: Record<Edition, string> = {
  community: 'emqx',
  enterprise: 'emqx-enterprise',
};

/** `IS_ENTERPRISE` in emqx_vars: only `yes` (any case) means enterprise, as in the reference script. */
export function editionFromIsEnterprise(value: string | undefined): Edition {
  return (value ?? '').trim().toLowerCase() === 'yes' ? 'enterprise' : 'community';
}

/**
 * Splits `emqx-<rest>` / `emqx-enterprise-<rest>` into edition and rest; null without either
 * prefix. Longest first, so emqx-enterprise-5.0.1 never reads as community "enterprise-5.0.1".
 */
export function splitEditionPrefix(s: string): { edition: Edition; rest: string } | null {
  for (const edition of ['enterprise', 'community'] as const) {
    const prefix = `${packageBase[edition]}-`;
    if (s.startsWith(prefix)) return { edition, rest: s.slice(prefix.length) };
  }
  return null;
}
