import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  astFromValue,
  type GraphQLArgument,
  type GraphQLInputField,
  isEnumType,
  isInputObjectType,
  isObjectType,
  Kind,
  parse,
  print,
  type TypeNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/db/providers.ts';
import { schema } from '../src/schema/index.ts';

const contract = parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'contract.graphql'), 'utf8'));

const printedType = (node: TypeNode) => print(node);
const printedDefault = (field: GraphQLArgument | GraphQLInputField) => {
  if (field.defaultValue === undefined) return undefined;
  const ast = astFromValue(field.defaultValue, field.type);
  return ast ? print(ast) : undefined;
};

describe('the served schema has every name of CONTRACT.md, with the same types and defaults', () => {
  for (const definition of contract.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION) {
      it(`enum ${definition.name.value}`, () => {
        const type = schema.getType(definition.name.value);
        expect(isEnumType(type)).toBe(true);
        if (!isEnumType(type)) return;
        expect(
          type
            .getValues()
            .map((value) => value.name)
            .sort(),
        ).toEqual((definition.values ?? []).map((value) => value.name.value).sort());
      });
    }
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION || definition.kind === Kind.OBJECT_TYPE_EXTENSION) {
      for (const field of definition.fields ?? []) {
        it(`${definition.name.value}.${field.name.value}`, () => {
          const type = schema.getType(definition.name.value);
          expect(isObjectType(type), `${definition.name.value} is an object type`).toBe(true);
          if (!isObjectType(type)) return;
          const served = type.getFields()[field.name.value];
          expect(served, `${definition.name.value}.${field.name.value} exists`).toBeDefined();
          if (!served) return;
          expect(String(served.type)).toBe(printedType(field.type));
          for (const arg of field.arguments ?? []) {
            const servedArg = served.args.find((candidate) => candidate.name === arg.name.value);
            expect(servedArg, `argument ${arg.name.value}`).toBeDefined();
            if (!servedArg) continue;
            expect(String(servedArg.type)).toBe(printedType(arg.type));
            expect(printedDefault(servedArg)).toBe(arg.defaultValue ? print(arg.defaultValue) : undefined);
          }
          // No extra required argument that a contract client would not send.
          for (const extra of served.args.filter(
            (a) => !(field.arguments ?? []).some((b) => b.name.value === a.name),
          )) {
            expect(String(extra.type).endsWith('!') && extra.defaultValue === undefined).toBe(false);
          }
        });
      }
    }
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) {
      it(`input ${definition.name.value}`, () => {
        const type = schema.getType(definition.name.value);
        expect(isInputObjectType(type)).toBe(true);
        if (!isInputObjectType(type)) return;
        const fields = type.getFields();
        for (const field of definition.fields ?? []) {
          const served = fields[field.name.value];
          expect(served, `${definition.name.value}.${field.name.value}`).toBeDefined();
          if (!served) continue;
          expect(String(served.type), field.name.value).toBe(printedType(field.type));
          expect(printedDefault(served), field.name.value).toBe(
            field.defaultValue ? print(field.defaultValue) : undefined,
          );
        }
        const named = new Set((definition.fields ?? []).map((field) => field.name.value));
        for (const extra of Object.values(fields).filter((field) => !named.has(field.name))) {
          expect(String(extra.type).endsWith('!') && extra.defaultValue === undefined, extra.name).toBe(false);
        }
      });
    }
  }

  it('declares the scalars JSON, JSONObject and DateTime', () => {
    for (const name of ['JSON', 'JSONObject', 'DateTime']) expect(schema.getType(name)).toBeDefined();
  });
});
