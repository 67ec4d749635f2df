// An RFC 5322 addr-spec (local-part "@" domain) with RFC 6532's UTF-8 extension, and nothing else: no display
// name ("Ada <ada@x.io>"), no comments, no obsolete forms.

// atext plus any non-ASCII character except the C1 controls (RFC 6532 UTF8-non-ascii).
const atext = "[A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~\\u00a0-\\u{10ffff}]";
const dotAtom = `${atext}+(?:\\.${atext}+)*`;
// qtext, quoted-pair and the folding white space allowed between them.
const quotedString = '"(?:[\\x21\\x23-\\x5b\\x5d-\\x7e \\t]|[\\u00a0-\\u{10ffff}]|\\\\[\\x21-\\x7e \\t])*"';
const domainLiteral = '\\[[\\x21-\\x5a\\x5e-\\x7e]*\\]';

const addrSpec = new RegExp(`^(?:${dotAtom}|${quotedString})@(?:${dotAtom}|${domainLiteral})$`, 'u');

/** True for an addr-spec such as `ada@example.io` or `"ada l"@example.io`. */
export function isAddrSpec(value: string): boolean {
  return addrSpec.test(value);
}
