// The comparison server of `make bench`: @neo4j/graphql on Apollo Server (standalone), over the
// same Neo4j database as growthgraph. Settings come from the environment; the benchmark starts
// and stops this process itself.
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const env = process.env;
const port = Number(env.PORT ?? "18081");
const database = env.NEO4J_DATABASE ?? "neo4j";
const driver = neo4j.driver(
  env.NEO4J_URI ?? "bolt://127.0.0.1:7687",
  neo4j.auth.basic(env.NEO4J_USER ?? "neo4j", env.NEO4J_PASSWORD ?? "growthgraph-dev"),
  // The same pool size as growthgraph's default (GROWTHGRAPH_NEO4J_POOL_SIZE).
  { maxConnectionPoolSize: Number(env.BENCH_APOLLO_POOL_SIZE ?? "50") },
);
await driver.verifyConnectivity({ database });

const typeDefs = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8");
const neoSchema = new Neo4jGraphQL({
  typeDefs,
  driver,
  features: {
    // Keyset pages (`id: { gt: $after }`) need the string comparison filters.
    filters: { String: { GT: true } },
  },
});
const server = new ApolloServer({ schema: await neoSchema.getSchema() });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
  context: async () => ({ sessionConfig: { database } }),
});
console.log(`neo4j-graphql: serving ${url}`);

async function shutdown() {
  await server.stop();
  await driver.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
