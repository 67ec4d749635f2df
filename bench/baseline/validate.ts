// Input rules of CONTRACT §5–§6 that the scenarios' inputs go through, checked the way attrql checks them
// (every offending input named), without zod.
import { BaselineError } from './store.ts';
import type { MetadataChanges } from './uuid-metadata.ts';

export type Issue = { path: string[]; message: string };

const reserved = new Set(['__proto__', 'constructor', 'prototype']);
const codePoints = (value: string) => [...value].length;
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');
const unsafe = (value: string) => value.includes('\u0000') || !value.isWellFormed();
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function fail(issues: Issue[]): never {
  throw new BaselineError('BAD_USER_INPUT', JSON.stringify(issues));
}

export function personIdIssue(id: unknown, path: string): Issue | null {
  const ok =
    typeof id === 'string' &&
    codePoints(id) >= 1 &&
    codePoints(id) <= 92 &&
    !/[,/\\*:]/.test(id) &&
    !id.includes('channel') &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
    !/[\u0000-\u001f\u007f-\u009f]/.test(id);
  return ok ? null : { path: [path], message: 'invalid id' };
}

export function bucketIssue(name: unknown): Issue | null {
  return typeof name === 'string' && /^[a-z0-9_-]{1,64}$/.test(name)
    ? null
    : { path: ['bucket'], message: 'invalid bucket name' };
}

function valueProblem(node: unknown, depth: number): string | null {
  if (typeof node === 'number') {
    if (!Number.isFinite(node)) return 'must be a JSON value';
    return Number.isInteger(node) && !Number.isSafeInteger(node) ? 'unsafe integer' : null;
  }
  if (typeof node === 'string') return unsafe(node) ? 'unsafe string' : null;
  if (node === null || typeof node === 'boolean') return null;
  if (typeof node !== 'object') return 'must be a JSON value';
  if (depth + 1 > 32) return 'too deep';
  for (const [key, item] of Array.isArray(node) ? node.map((item) => ['', item] as const) : Object.entries(node)) {
    if (unsafe(key)) return 'unsafe key';
    const problem = valueProblem(item, depth + 1);
    if (problem) return problem;
  }
  return null;
}

/** A bucket's `{ name: value }`: checked, and returned as [name, JSON text] rows ready to store. */
export function attributeRows(attributes: unknown, path: string): [string, string][] {
  if (!isObject(attributes)) fail([{ path: [path], message: 'must be a JSON object' }]);
  const rows: [string, string][] = [];
  const issues: Issue[] = [];
  for (const [name, value] of Object.entries(attributes)) {
    const nameBytes = bytes(name);
    let problem =
      nameBytes < 1 || nameBytes > 70 || reserved.has(name) || unsafe(name) ? 'invalid name' : valueProblem(value, 0);
    const json = JSON.stringify(value);
    if (!problem && bytes(json) > 65_536) problem = 'too large';
    if (problem) issues.push({ path: [path, name], message: problem });
    else rows.push([name, json]);
  }
  if (issues.length > 0) fail(issues);
  return rows;
}

const maxChars = (value: unknown, max: number) =>
  value === undefined || value === null || (typeof value === 'string' && codePoints(value) <= max);

/** setUuidMetadata's fields: omitted stays, null clears, `custom` a flat object of scalars. */
export function metadataChanges(input: Record<string, unknown>): MetadataChanges {
  const issues: Issue[] = [];
  const { name, externalId, profileUrl, email, type, status, custom } = input;
  if (
    name !== undefined &&
    name !== null &&
    (typeof name !== 'string' || codePoints(name) < 1 || codePoints(name) > 2048 || name.trim() === '')
  ) {
    issues.push({ path: ['name'], message: 'must be 1–2048 characters, not whitespace only' });
  }
  if (!maxChars(externalId, 2048)) issues.push({ path: ['externalId'], message: 'too long' });
  if (!maxChars(profileUrl, 2048) || (typeof profileUrl === 'string' && !/^[A-Za-z][\w+.-]*:\S*$/.test(profileUrl))) {
    issues.push({ path: ['profileUrl'], message: 'must be an absolute URI' });
  }
  if (!maxChars(email, 320) || (typeof email === 'string' && !/^[^\s@]+@[^\s@]+$/.test(email))) {
    issues.push({ path: ['email'], message: 'must be an email address' });
  }
  if (!maxChars(type, 50)) issues.push({ path: ['type'], message: 'too long' });
  if (!maxChars(status, 50)) issues.push({ path: ['status'], message: 'too long' });
  if (custom !== undefined && custom !== null) {
    if (!isObject(custom)) issues.push({ path: ['custom'], message: 'must be a JSON object' });
    else {
      for (const [key, value] of Object.entries(custom)) {
        const ok =
          typeof value === 'string' ||
          typeof value === 'boolean' ||
          (typeof value === 'number' &&
            Number.isFinite(value) &&
            (!Number.isInteger(value) || Number.isSafeInteger(value)));
        if (!ok) issues.push({ path: ['custom', key], message: 'must be a string, boolean or number' });
      }
    }
  }
  for (const [key, value] of Object.entries(input)) {
    if (typeof value === 'string' && unsafe(value)) issues.push({ path: [key], message: 'unsafe string' });
  }
  if (issues.length > 0) fail(issues);
  return { name, externalId, profileUrl, email, type, status, custom } as MetadataChanges;
}
