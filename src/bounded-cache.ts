/**
 * A least-recently-used cache bounded by its entry count and by the total length of its keys: for anything cached
 * by a key that comes from a request. Yoga caches parsed documents (and parse errors) keyed by the query text; its
 * own LRU counts only entries, so 1,024 distinct 1 MiB queries would keep a gigabyte. Here a key longer than the
 * whole budget is not kept at all.
 */
export class BoundedCache<T> {
  private readonly entries = new Map<string, T>();
  private keyChars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxKeyChars: number,
  ) {}

  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    // Map keeps insertion order: moving the entry to the end makes the first one the least recently used.
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: T): void {
    if (key.length > this.maxKeyChars) return;
    if (this.entries.delete(key)) this.keyChars -= key.length;
    this.entries.set(key, value);
    this.keyChars += key.length;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.keyChars <= this.maxKeyChars) break;
      this.entries.delete(oldest);
      this.keyChars -= oldest.length;
    }
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.keyChars -= key.length;
  }

  get size(): number {
    return this.entries.size;
  }
}
