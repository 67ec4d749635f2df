// The one email rule of attrql: an RFC 5322 addr-spec (local-part "@" domain) and nothing else: no display name
// ("Ada <ada@x.io>"), no comments, no obsolete forms. Handles (CONTRACT §5) take RFC 5322 as it is; UUID metadata
// (§6, PubNub) also takes RFC 6532's UTF-8 extension. Both share this grammar, so they differ only in that.

const asciiAtext = "A-Za-z0-9!#$%&'*+\\-/=?^_`{|}~";
// RFC 6532 UTF8-non-ascii, without the C1 controls.
const nonAscii = '\\u00a0-\\u{10ffff}';

function addrSpec(utf8: boolean): RegExp {
  const extra = utf8 ? nonAscii : '';
  const atext = `[${asciiAtext}${extra}]`;
  const dotAtom = `${atext}+(?:\\.${atext}+)*`;
  // qtext, quoted-pair (VCHAR or WSP) and the folding white space (SP, HTAB) allowed between them.
  const quotedString = `"(?:[\\x21\\x23-\\x5b\\x5d-\\x7e \\t${extra}]|\\\\[\\x21-\\x7e \\t])*"`;
  const domainLiteral = '\\[[\\x21-\\x5a\\x5e-\\x7e]*\\]';
  return new RegExp(`^(?:${dotAtom}|${quotedString})@(?:${dotAtom}|${domainLiteral})$`, 'u');
}

const rfc5322 = addrSpec(false);
const rfc6532 = addrSpec(true);

/** True for an addr-spec such as `ada@example.io` or `"ada l"@example.io`; `utf8` also admits `ädä@example.io`. */
export function isAddrSpec(value: string, options: { utf8: boolean }): boolean {
  return (options.utf8 ? rfc6532 : rfc5322).test(value);
}

/** At most 320 characters, in both places an email is taken. */
export const maxEmailChars = 320;
