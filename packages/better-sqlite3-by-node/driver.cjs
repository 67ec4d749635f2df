'use strict';
// Which better-sqlite3 this Node gets (both are dependencies of attrql, installed under aliases):
// - 13 (Node-API) on Node-API 10 and later, i.e. Node 22.14+. Its addon asks for Node-API 10; an older Node (all of
//   Node 20) crashes with a segfault in `new Database()` instead of an error (WiseLibs/better-sqlite3#1514).
// - 12 below that, i.e. Node 20. On Node 24.19+ 12 aborts the process when statements are freed by GC or at exit
//   ("Assertion failed: (env) != nullptr", nodejs/node#65446), which 13 does not.
const packageName = Number(process.versions.napi) >= 10 ? 'better-sqlite3-v13' : 'better-sqlite3-v12';
const { version } = require(`${packageName}/package.json`);

module.exports = { packageName, version };
