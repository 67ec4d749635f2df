/** Tells this process's dispatcher that an organization's endpoints changed (created, updated, replayed). */
type Listener = (orgId: string) => void;
const listeners = new Set<Listener>();

export function onEndpointsChanged(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function endpointsChanged(orgId: string): void {
  for (const listener of listeners) listener(orgId);
}
