/**
 * Per-request DataLoaders. Each domain declares its loaders with `defineLoader` next to its code; the first
 * use in a request creates the loader, so nothing is cached across requests (or instances).
 * Keys are a loader's own symbol, or a plain string for loaders that depend on request data (e.g. one per
 * distinct `history` arguments): a string dies with the request, `Symbol.for` would be registered for good.
 */
export type LoaderKey = symbol | string;

export class LoaderRegistry {
  private readonly loaders = new Map<LoaderKey, unknown>();

  get<T>(key: LoaderKey, create: () => T): T {
    let loader = this.loaders.get(key) as T | undefined;
    if (loader === undefined) {
      loader = create();
      this.loaders.set(key, loader);
    }
    return loader;
  }

  /** Forgets every cached value, after a write in this request changed what they would return. */
  clear(): void {
    for (const loader of this.loaders.values()) (loader as { clearAll?: () => void }).clearAll?.();
  }
}

/** Declares a loader factory; call the result with the request's context to get that request's loader. */
export function defineLoader<Ctx extends { loaders: LoaderRegistry }, T>(create: (ctx: Ctx) => T): (ctx: Ctx) => T {
  const key = Symbol(create.name || 'loader');
  return (ctx) => ctx.loaders.get(key, () => create(ctx));
}
