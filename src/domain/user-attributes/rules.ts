import { z } from 'zod';
import { codePoints, utf8Bytes } from '../ids.ts';
import { maxValueBytes } from './values.ts';

/** Attribute names: 1–255 characters, a lower-case letter then lower-case letters, digits and underscores. */
export const attributeNameSchema = z
  .string()
  .refine((name) => codePoints(name) >= 1 && codePoints(name) <= 255, 'must be 1–255 characters')
  .refine((name) => /^[a-z][a-z0-9_]*$/.test(name), 'must match ^[a-z][a-z0-9_]*$');

/** Labels: 1–255 characters. */
export const attributeLabelSchema = z
  .string()
  .refine((label) => codePoints(label) >= 1 && codePoints(label) <= 255, 'must be 1–255 characters');

/** A value of any type: at most 64 KiB; the per-type check needs the attribute's type (values.ts). */
export const attributeValueSchema = z
  .string()
  .refine((value) => utf8Bytes(value) <= maxValueBytes, `must be at most ${maxValueBytes} bytes`);

/** The hidden-value domain whitelist is free text, bounded like a value. */
export const domainWhitelistSchema = z
  .string()
  .refine((value) => utf8Bytes(value) <= maxValueBytes, `must be at most ${maxValueBytes} bytes`);

/** Group names, as in CONTRACT §5: 2–100 characters, ^[A-Za-z0-9][\w.\-]*[A-Za-z0-9]$. */
export const groupNameSchema = z
  .string()
  .refine((name) => codePoints(name) >= 2 && codePoints(name) <= 100, 'must be 2–100 characters')
  .refine((name) => /^[A-Za-z0-9][\w.-]*[A-Za-z0-9]$/.test(name), 'must match ^[A-Za-z0-9][\\w.\\-]*[A-Za-z0-9]$');
