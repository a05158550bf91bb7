// The loopback sshd fleet lives in scripts/fixtures/sshd.ts, shared with `npm run bench`.
export * from '../../scripts/fixtures/sshd.js';
