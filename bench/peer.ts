// Scenario 15 (issue 21; PostgreSQL only): the public peer. PostGraphile 5 — what a user would otherwise put over
// these tables — serves scenario 2b's read on the same database, pinned to the same core as attrql, in closed-loop
// rounds taking turns with attrql's and then paced at half of attrql's maximum (tail latency at the same rate).
// PostGraphile 5 needs Node 22: bench/peer/postgraphile has its own package.json (postgraphile and the npm `node`
// package, pinned in its own lock file), installed there on first use.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { graphql } from './http.ts';
import { type Context, measurePaced, measureScenario } from './measure.ts';
import { repoRoot, type Server } from './processes.ts';
import type { PacedComparison, ScenarioResult } from './results.ts';
import { personLightQuery, postgraphilePersonLightQuery } from './scenarios.ts';

export const peerId = 'person-light-postgraphile';
const peerDir = join(repoRoot, 'bench', 'peer', 'postgraphile');
const peerNode = join(peerDir, 'node_modules', '.bin', 'node');
const peerScript = join(peerDir, 'server.mjs');

/** Installs the peer (npm ci in its folder) unless it is there; the reason when it cannot be. */
export function installPeer(log: (line: string) => void): string | null {
  if (existsSync(peerNode) && existsSync(join(peerDir, 'node_modules', 'postgraphile'))) return null;
  log('peer: installing PostGraphile 5 and Node 22 into bench/peer/postgraphile (npm ci, about 30 s)');
  try {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--silent'], { cwd: peerDir, stdio: 'inherit' });
    return null;
  } catch (error) {
    return `npm ci in bench/peer/postgraphile failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

interface PeerPerson {
  personByOrgIdAndRowId: {
    rowId: string;
    eTag: string;
    personAttributesByOrgIdAndPersonId: { nodes: { bucket: string; name: string; value: string }[] };
  } | null;
}

/**
 * Both servers must answer the same read, or the comparison means nothing: person 0 through each, PostGraphile's
 * attribute rows grouped by bucket with their JSON text parsed, as attrql's `attributes` shows them (attrql also
 * lists the organization's empty buckets, which have no rows to compare).
 */
async function checkSameRead(attrql: Server, peer: Server, ctx: Context, personId: string): Promise<void> {
  const ours = await graphql<{
    person: { id: string; eTag: string; attributes: Record<string, Record<string, unknown>> };
  }>(attrql.url, personLightQuery, { id: personId }, ctx.data.apiKey);
  const theirs = await graphql<PeerPerson>(
    peer.url,
    postgraphilePersonLightQuery,
    { orgId: ctx.orgId, id: personId },
    '',
  );
  const row = theirs.personByOrgIdAndRowId;
  const grouped: Record<string, Record<string, unknown>> = {};
  for (const { bucket, name, value } of row?.personAttributesByOrgIdAndPersonId.nodes ?? []) {
    grouped[bucket] = { ...grouped[bucket], [name]: JSON.parse(value) };
  }
  const same =
    row?.rowId === ours.person.id &&
    row.eTag === ours.person.eTag &&
    isDeepStrictEqual(grouped, withoutEmptyBuckets(ours.person.attributes));
  if (!same) {
    throw new Error(
      `the peer does not read what attrql reads for ${personId}: ${JSON.stringify(ours.person)} vs ${JSON.stringify(row)}`,
    );
  }
}

const withoutEmptyBuckets = (attributes: Record<string, Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(attributes).filter(([, keys]) => Object.keys(keys).length > 0));

export interface PeerRun {
  ctx: Context;
  attrql: Server;
  personId: string;
  startPeer: (script: string, nodeBinary: string) => Promise<Server>;
  stop: (...servers: Server[]) => Promise<void>;
}

/** Scenario 15's closed-loop comparison and its paced run; `skipped` when the peer cannot be installed. */
export async function runPeer(
  run: PeerRun,
): Promise<{ scenario: ScenarioResult; paced: PacedComparison } | { skipped: string }> {
  const { ctx, attrql } = run;
  const reason = installPeer(ctx.log);
  if (reason) {
    ctx.log(`skipping ${peerId}: ${reason}`);
    return { skipped: reason };
  }
  const peer = await run.startPeer(peerScript, peerNode);
  try {
    await checkSameRead(attrql, peer, ctx, run.personId);
    const scenario = await measureScenario({ ...ctx, referenceName: 'PostGraphile 5' }, peerId, [attrql], peer);
    const paced = await measurePaced(ctx, peerId, Math.max(1, scenario.attrql.median.rps / 2), attrql, peer);
    return { scenario, paced };
  } finally {
    await run.stop(peer);
  }
}
