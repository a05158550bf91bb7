// Editions: the package base name each uses, and how emqx_vars and a name say which one it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editionFromIsEnterprise, packageBase, splitEditionPrefix } from '../../src/version/edition.js';

test('IS_ENTERPRISE: only yes (any case, trimmed) is enterprise', () => {
  for (const v of ['yes', 'YES', ' Yes\n']) assert.equal(editionFromIsEnterprise(v), 'enterprise', JSON.stringify(v));
  for (const v of [undefined, '', 'no', 'true', '1', 'y', 'yes please']) assert.equal(editionFromIsEnterprise(v), 'community', JSON.stringify(v));
});

test('splitEditionPrefix takes the longer prefix first and needs the dash', () => {
  assert.deepEqual(splitEditionPrefix('emqx-enterprise-5.0.1'), { edition: 'enterprise', rest: '5.0.1' });
  assert.deepEqual(splitEditionPrefix('emqx-5.0.1-el8-amd64.tar.gz'), { edition: 'community', rest: '5.0.1-el8-amd64.tar.gz' });
  assert.deepEqual(splitEditionPrefix('emqx-enterprise'), { edition: 'community', rest: 'enterprise' });
  for (const s of ['emqx', 'emqx5.0.1', 'nanomq-5.0.1', '5.0.1', '']) assert.equal(splitEditionPrefix(s), null, s);
});

test('each edition has its own package base, and the prefix of one splits back to it', () => {
  assert.deepEqual(packageBase, { community: 'emqx', enterprise: 'emqx-enterprise' });
  for (const [edition, base] of Object.entries(packageBase)) assert.deepEqual(splitEditionPrefix(`${base}-5.0.1`), { edition, rest: '5.0.1' });
});
