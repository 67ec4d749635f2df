import { utf8Bytes } from '../ids.ts';
import { maxValueBytes } from '../json.ts';

/** The attribute types of CONTRACT §4, in the contract's order. */
export const userAttributeTypes = [
  'STRING',
  'NUMBER',
  'DATETIME',
  'YESNO',
  'ZIPCODE',
  'ADVANCED_FILTER_STRING',
  'ADVANCED_FILTER_NUMBER',
  'ADVANCED_FILTER_DATETIME',
] as const;
export type UserAttributeType = (typeof userAttributeTypes)[number];

const numberPattern = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const zipcodePattern = /^\d{5}(-\d{4})?$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

function isDateTime(value: string): boolean {
  const date = datePattern.exec(value);
  if (date) return isRealDate(Number(date[1]), Number(date[2]), Number(date[3]));
  const match = dateTimePattern.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second = '0', offsetHour = '0', offsetMinute = '0'] = match;
  // The pattern fixes the shape; the calendar and the clock must be real too (no 2026-02-30, no 24:00).
  return (
    isRealDate(Number(year), Number(month), Number(day)) &&
    Number(hour) <= 23 &&
    Number(minute) <= 59 &&
    Number(second) <= 59 &&
    Number(offsetHour) <= 23 &&
    Number(offsetMinute) <= 59
  );
}

/**
 * Why `value` is not a valid value of an attribute of `type`, or null when it is. Values are stored as given,
 * so this only checks (CONTRACT §7).
 */
export function valueProblem(type: string, value: string): string | null {
  if (utf8Bytes(value) > maxValueBytes) return `must be at most ${maxValueBytes} bytes`;
  switch (type) {
    case 'NUMBER':
      return numberPattern.test(value) && Number.isFinite(Number(value)) ? null : 'must be a finite number';
    case 'YESNO':
      return value === 'yes' || value === 'no' ? null : 'must be "yes" or "no"';
    case 'DATETIME':
      return isDateTime(value) ? null : 'must be YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fff]] with Z or ±HH:MM';
    case 'ZIPCODE':
      return zipcodePattern.test(value) ? null : 'must be a ZIP code: 12345 or 12345-6789';
    default:
      return null;
  }
}
