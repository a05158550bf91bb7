// Is this Node one emqx-relup supports? The range is package.json's engines.node (the intersection
// of the dependencies' own engines), read here so that it is written in one place only; bin/emqx,
// bin/emqx-relup and scripts/setup.sh all ask this file. Plain old syntax, so that an old Node
// prints this message instead of failing to parse something in dist/.
'use strict';
var fs = require('fs');
var path = require('path');

/** engines.node of this checkout or installed package, or null if it cannot be read. */
function range() {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
  } catch (e) {
    return null;
  }
}

function parse(v) {
  var m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(String(v).trim());
  if (!m) throw new Error('bad version ' + JSON.stringify(v));
  return [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)];
}

function cmp(a, b) {
  for (var i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

/**
 * Whether `version` satisfies `r`. Only the forms an engines range of ours uses: alternatives
 * joined by `||`, each `^X.Y.Z` (X fixed, at least X.Y.Z) or `>=X[.Y[.Z]]`. Anything else throws,
 * so a new form in package.json fails the unit test rather than passing every Node.
 */
function satisfies(version, r) {
  var v = parse(version);
  return r.split('||').some(function (alt) {
    var s = alt.trim();
    if (s.startsWith('^')) {
      var c = parse(s.slice(1));
      return v[0] === c[0] && cmp(v, c) >= 0;
    }
    if (s.startsWith('>=')) return cmp(v, parse(s.slice(2))) >= 0;
    throw new Error('unsupported engines form ' + JSON.stringify(s));
  });
}

/** null when supported (or the range is unreadable: do not block on that), else the message. */
function problem(version) {
  var r = range();
  if (r === null || satisfies(version, r)) return null;
  return 'Node ' + r + ' is needed, this is ' + version;
}

module.exports = { range: range, satisfies: satisfies, problem: problem };

// `node bin/node-check.cjs [PROG]`: exit 1 with the message when this Node is not supported.
if (require.main === module) {
  var p = problem(process.version);
  if (p) {
    process.stderr.write((process.argv[2] || 'emqx-relup') + ': error: ' + p + '\n');
    process.exitCode = 1;
  }
}
