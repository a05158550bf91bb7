// Reading an installed EMQX release: root, emqx_vars, node name/cookie, RELEASES. Plain data out.
export * from './fs.js';
export * from './vars.js';
export * from './root.js';
export * from './node.js';
export * from './releases-file.js';
export * from './erlang-term.js';
export * from './relup.js';
export * from './facts.js';
export * from './runner-env.js';
