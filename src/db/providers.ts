import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The two database providers attrql runs on. One Prisma schema has one provider, so each gets its own client. */
export type Provider = 'sqlite' | 'postgresql';
export const providers: readonly Provider[] = ['sqlite', 'postgresql'];

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const modelsFile = join(repoRoot, 'prisma', 'models.prisma');

/** Generated, git-ignored: the composed schema and the client of one provider. */
export function generatedDir(provider: Provider): string {
  return join(repoRoot, 'generated', 'prisma', provider);
}

/** Committed: the migrations of one provider, in Prisma's standard folder layout. */
export function migrationsDir(provider: Provider): string {
  return join(repoRoot, 'prisma', 'migrations', provider);
}
