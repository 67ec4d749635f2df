/** A JSON object as attrql stores and returns it: `{ key: value }` with any JSON values. */
export type JsonObject = { [key: string]: unknown };

/** Attribute values, user attribute values and the like: at most this many UTF-8 bytes (CONTRACT §5, §7). */
export const maxValueBytes = 65_536;
