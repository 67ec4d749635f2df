// An absolute URI as RFC 3986 §3 defines it (scheme ":" hier-part ["?" query] ["#" fragment]); relative
// references ("/a.png", "//host/a.png", "a.png") and anything outside the URI alphabet (spaces, non-ASCII) fail.

const unreserved = 'A-Za-z0-9\\-._~';
const subDelims = "!$&'()*+,;=";
const pct = '%[0-9A-Fa-f]{2}';
const pchar = `(?:[${unreserved}${subDelims}:@]|${pct})`;
const segment = `${pchar}*`;
const segmentNz = `${pchar}+`;

const scheme = '[A-Za-z][A-Za-z0-9+\\-.]*';
const userinfo = `(?:[${unreserved}${subDelims}:]|${pct})*`;
const ipLiteral = `\\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\\.[${unreserved}${subDelims}:]+)\\]`;
const regName = `(?:[${unreserved}${subDelims}]|${pct})*`;
const authority = `(?:${userinfo}@)?(?:${ipLiteral}|${regName})(?::[0-9]*)?`;
const pathAbempty = `(?:/${segment})*`;
const pathAbsolute = `/(?:${segmentNz}(?:/${segment})*)?`;
const pathRootless = `${segmentNz}(?:/${segment})*`;
const hierPart = `(?://${authority}${pathAbempty}|${pathAbsolute}|${pathRootless}|)`;
const queryOrFragment = `(?:${pchar}|[/?])*`;

const absoluteUri = new RegExp(`^${scheme}:${hierPart}(?:\\?${queryOrFragment})?(?:#${queryOrFragment})?$`);

/** True for an absolute RFC 3986 URI (a fragment is allowed, as in the `URI` rule). */
export function isAbsoluteUri(value: string): boolean {
  return absoluteUri.test(value);
}
