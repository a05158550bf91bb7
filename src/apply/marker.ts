// A string that every build of this wrapper carries near its top (bin/emqx, the one-file bundle),
// so that a runner which is really this wrapper is recognised even as a copy, not only a link.
export const WRAPPER_MARKER = '@emqx-relup/wrapper';
export const ENV_PASSTHROUGH = 'EMQX_RELUP_PASSTHROUGH';
