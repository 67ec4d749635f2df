// Module resolution hooks (node:module register) for module-probe.ts: every URL an import resolves to is posted
// to the main thread. Runs on Node's loader thread.
let port;
export function initialize(data) {
  port = data.port;
}
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}
