/** What GraphiQL opens with: a ready operation and a header template to fill in. */
export const graphiqlDefaults = {
  title: 'attrql',
  defaultQuery: `# Welcome to attrql.
#
# Every operation needs a credential. Open "Headers" below and replace the placeholder with
#   an org API key  (npm run --silent admin -- create-org --name acme), or
#   a person token  (mutation mintPersonToken), for the end-user operations (me, updateMyAttributes, …).
#
# Then run these in order:

mutation CreateAda {
  createPerson(input: { id: "ada", region: EUROPE_ENGLAND }) {
    person { id active region eTag createdAt }
  }
}

mutation MintAdaToken {
  mintPersonToken(input: { personId: "ada", scopes: ["user:attributes:read", "user:attributes:write"], expiresInSeconds: 3600 }) {
    token
    expiresAt
  }
}

query Ada {
  person(id: "ada") { id active personType region eTag updatedAt }
}
`,
  headers: JSON.stringify({ Authorization: 'Bearer <your org API key or person token>' }, null, 2),
};
