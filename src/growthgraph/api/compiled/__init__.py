"""Compiled reads: an everyday read (entities by id, pages, their referrers and referrals) runs
as one Cypher statement per root field that returns the answer already shaped, and the response
is built from it without resolving fields one by one. Everything else takes the general path
(graphql-core's execution with the resolvers and their DataLoaders), which gives the same
answer."""
