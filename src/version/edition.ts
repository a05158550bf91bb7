export type Edition = 'community' | 'enterprise';

export const packageBase: Record<Edition, string> = {
  community: 'emqx',
  enterprise: 'emqx-enterprise',
};

/** `IS_ENTERPRISE` in emqx_vars: only `yes` (any case) means enterprise, as in the reference script. */
export function editionFromIsEnterprise(value: string | undefined): Edition {
  return (value ?? '').trim().toLowerCase() === 'yes' ? 'enterprise' : 'community';
}
