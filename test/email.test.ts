import { describe, expect, it } from 'vitest';
import { isAddrSpec } from '../src/domain/email.ts';

// One email grammar for handles (RFC 5322) and UUID metadata (RFC 5322 + RFC 6532): they differ in UTF-8 only.
describe('isAddrSpec', () => {
  const both = [
    ['ada@example.io', true],
    ['"ada l"@example.io', true],
    ['"a\tb"@example.io', true],
    ['a.b+c@[127.0.0.1]', true],
    ['Ada <ada@example.io>', false],
    ['ada@', false],
    ['a..b@example.io', false],
    ['(comment)ada@example.io', false],
  ] as const;

  it.each(both)('%j is %s with and without UTF-8', (value, valid) => {
    expect(isAddrSpec(value, { utf8: false })).toBe(valid);
    expect(isAddrSpec(value, { utf8: true })).toBe(valid);
  });

  it('admits non-ASCII characters only with utf8 (RFC 6532)', () => {
    expect(isAddrSpec('ädä@exämple.io', { utf8: true })).toBe(true);
    expect(isAddrSpec('ädä@exämple.io', { utf8: false })).toBe(false);
    expect(isAddrSpec('a\u0085b@example.io', { utf8: true })).toBe(false); // C1 control
  });
});
