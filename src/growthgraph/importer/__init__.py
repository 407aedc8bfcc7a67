"""``growthgraph import``: read CSV or JSON Lines files, validate every row, resolve the referral
rules against the files and the database, and load the valid rows (format: docs/import.md)."""
