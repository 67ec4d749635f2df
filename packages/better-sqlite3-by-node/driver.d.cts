/** The better-sqlite3 package this Node loads, e.g. `{ packageName: 'better-sqlite3-v13', version: '13.2.0' }`. */
export declare const packageName: 'better-sqlite3-v12' | 'better-sqlite3-v13';
export declare const version: string;
