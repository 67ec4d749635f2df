'use strict';
// better-sqlite3 for the running Node (driver.cjs says which and why). Everything that imports `better-sqlite3`
// gets this module, Prisma's adapter too (package.json "overrides"), so one process has one driver. It has no
// types of its own: TypeScript uses @types/better-sqlite3, which describes both versions' API as attrql uses it.
const { packageName, version } = require('./driver.cjs');
const Driver = require(packageName); // only JavaScript: the addon loads at the first `new Database()`

let loaded = false;

/** better-sqlite3's Database (with or without `new`), the addon's load failure told as one line. */
function Database(filename, options) {
  try {
    const db = new Driver(filename, options);
    loaded = true;
    return db;
  } catch (error) {
    throw loaded || !isLoadFailure(error) ? error : loadFailure(error);
  }
}
Database.prototype = Driver.prototype; // `instanceof Database` holds for its connections
Object.setPrototypeOf(Database, Driver); // and Database.SqliteError is better-sqlite3's

/** The addon missing (bindings' "Could not locate the bindings file", no prebuilt binary) or not loadable here. */
function isLoadFailure(error) {
  return error?.code === 'ERR_DLOPEN_FAILED' || error?.code === 'MODULE_NOT_FOUND' || Array.isArray(error?.tries);
}

function loadFailure(cause) {
  const reason = Array.isArray(cause?.tries)
    ? 'its addon was never compiled (no better_sqlite3.node)'
    : String(cause?.message ?? cause)
        .replace(/\s+/g, ' ')
        .replace(/\.? Please try re-compiling.*/, '');
  const fix =
    packageName === 'better-sqlite3-v12'
      ? `run "npm rebuild ${packageName}" with this Node, or "npm ci"`
      : `its prebuilt addon does not run here: build one with "npm run build-release --prefix node_modules/${packageName}" (needs a C++ compiler)`;
  const error = new Error(
    `the SQLite driver better-sqlite3 ${version} (${packageName}, picked for Node ${process.version}) does not load: ${reason}; ${fix}`,
    { cause },
  );
  error.code = 'ERR_SQLITE_DRIVER_LOAD';
  return error;
}

module.exports = Database;
