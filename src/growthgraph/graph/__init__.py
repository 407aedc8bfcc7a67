"""The only package that talks to Neo4j: Cypher, records, repositories, constraints, bulk loads."""
