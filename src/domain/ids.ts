import { z } from 'zod';

/** Length in Unicode code points, which is what "characters" means in the contract. */
export const codePoints = (value: string): number => [...value].length;

/** Length in UTF-8 bytes. */
export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

/**
 * A person id, which is also a PubNub uuid: 1–92 characters, none of , / \ * :, not containing "channel",
 * no control characters.
 */
export const personIdSchema = z
  .string()
  .refine((id) => codePoints(id) >= 1 && codePoints(id) <= 92, 'must be 1–92 characters')
  .refine((id) => !/[,/\\*:]/.test(id), 'must not contain , / \\ * or :')
  .refine((id) => !id.includes('channel'), 'must not contain "channel"')
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  .refine((id) => !/[\u0000-\u001f\u007f-\u009f]/.test(id), 'must not contain control characters');
