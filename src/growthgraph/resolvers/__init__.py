"""Thin async resolvers and DataLoaders: parse, call ``graph``, map records to schema types."""
