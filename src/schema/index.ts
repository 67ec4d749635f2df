import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './scalars.ts';
import './persons/index.ts';
import './uuid-metadata/index.ts';
import './user-attributes/index.ts';
import './history/index.ts';
import './webhooks/index.ts';

/** The GraphQL schema, with types and fields sorted so its printed form is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());
