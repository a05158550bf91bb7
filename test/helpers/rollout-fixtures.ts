// The fake rollout roots live in scripts/fixtures/rollout-roots.ts, shared with `npm run bench`.
export * from '../../scripts/fixtures/rollout-roots.js';
