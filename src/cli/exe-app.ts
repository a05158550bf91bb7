// The single executable's body (its SEA asset app.cjs): both applets, loaded by exe-bundle.ts
// only past its fast path, so `--version` compiles none of it.
export { runWrapper } from './emqx-run.js';
export { main as relupMain } from './relup.js';
