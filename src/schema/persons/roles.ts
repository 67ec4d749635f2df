import { z } from 'zod';
import { orgIdOf } from '../../context.ts';
import type { Role } from '../../domain/persons/models.ts';
import { createRole, listRoles, qualifiedRoleName } from '../../domain/persons/roles.ts';
import { roleNameSchema } from '../../domain/persons/rules.ts';
import { builder } from '../builder.ts';

const RoleRef = builder.objectRef<Role>('Role').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.string({
      description: '"{orgId}/{roleName}".',
      resolve: (role) => qualifiedRoleName(role.orgId, role.name),
    }),
  }),
});

const CreateRoleInput = builder.inputType('CreateRoleInput', {
  fields: (t) => ({ name: t.string({ required: true, description: 'The bare role name (no "/").' }) }),
  validate: z.looseObject({ name: roleNameSchema }),
});

const CreateRolePayload = builder.objectRef<{ role: Role }>('CreateRolePayload').implement({
  fields: (t) => ({ role: t.field({ type: RoleRef, resolve: (payload) => payload.role }) }),
});

builder.queryField('roles', (t) =>
  t.field({
    type: [RoleRef],
    description: 'Roles of your organization, by name.',
    resolve: (_root, _args, ctx) => listRoles(orgIdOf(ctx)),
  }),
);

builder.mutationField('createRole', (t) =>
  t.field({
    type: CreateRolePayload,
    description: 'Creates a role; CONFLICT when the name is taken in your organization.',
    args: { input: t.arg({ type: CreateRoleInput, required: true }) },
    resolve: async (_root, { input }, ctx) => ({ role: await createRole(orgIdOf(ctx), input.name) }),
  }),
);
