import type { GraphiQLOptions } from 'graphql-yoga';

/** What GraphiQL opens with: a ready operation and a header template to fill in. */
export const graphiqlDefaults = {
  title: 'attrql',
  defaultQuery: `# Welcome to attrql.
#
# Every operation needs a credential. Open "Headers" below and replace the placeholder with
#   an org API key  (npm run --silent admin -- create-org --name acme), or
#   a person token  (mutation mintPersonToken), for the end-user operations (me, updateMyAttributes, …).
#
# With the org API key, run these in order:

mutation CreateAda {
  createPerson(input: {
    id: "ada"
    region: EUROPE_ENGLAND
    handles: [{ type: EMAIL_ADDRESS, value: "ada@example.com" }]
    groups: ["engineering"]
    attributes: { end_user_read_only: { plan: "pro" } }
  }) {
    person { id active region handles { type value } groups eTag createdAt }
  }
}

# Merge: the keys given are set, every other key of the bucket stays.
mutation MergeAdaAttributes {
  updatePersonAttributes(input: {
    personId: "ada"
    bucket: "end_user_read_write"
    attributes: { theme: "dark", tos_accepted: true }
  }) {
    person { id eTag }
    attributes
  }
}

query Ada {
  person(id: "ada") { id active personType region groups roles eTag updatedAt attributes }
}

# Who changed what, when, from what: Ada's history, newest first.
query AdaHistory {
  person(id: "ada") {
    history(first: 5) { nodes { kind at actor { kind id } entries { area bucket name before after } } }
  }
}

# Live changes: start this, run MergeAdaAttributes again with other values, and watch the change arrive.
subscription FollowChanges {
  personChanges { cursor personId kind entries { area bucket name before after } }
}

# Webhooks: every change pushed to your server, signed (Standard Webhooks), in order, retried. Create one with
#   mutation { createWebhookEndpoint(input: { url: "https://your-server.example/attrql" }) { secret endpoint { id } } }
# (keep the secret: it is shown once), then see how its deliveries went:
query WebhookEndpoints {
  webhookEndpoints { id url enabled lastDeliveredAt failingSince }
}

mutation MintAdaToken {
  mintPersonToken(input: { personId: "ada", scopes: ["user:attributes:read", "user:attributes:write"], expiresInSeconds: 3600 }) {
    token
    expiresAt
  }
}

# Then put the token in the Authorization header and act as Ada:

query Me {
  me { id attributes bucket(name: "end_user_read_write") }
}

mutation UpdateMyAttributes {
  updateMyAttributes(input: { attributes: { referred: "false" } }) { attributes }
}
`,
  headers: JSON.stringify({ Authorization: 'Bearer <your org API key or person token>' }, null, 2),
};

const rendered = new Map<string, Promise<string>>();

/**
 * GraphiQL's page with its scripts and styles inlined from the installed `@graphql-yoga/render-graphiql` package,
 * so it works without internet (Yoga's default loads them from a CDN). The page is ~9 MB: rendered once per
 * option set, not per request. The package is loaded on the first request for the page, not at start-up: its
 * module keeps about 30 MB of heap that a server nobody opens GraphiQL on does not need.
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): Promise<string> {
  const key = JSON.stringify(options);
  let page = rendered.get(key);
  if (page === undefined) {
    page = import('@graphql-yoga/render-graphiql').then(({ renderGraphiQL }) => renderGraphiQL(options));
    page.catch(() => rendered.delete(key));
    rendered.set(key, page);
  }
  return page;
}
