"""Groups of root fields, one module per domain; ``api`` merges them into Query and Mutation."""
