"""Uploads by agencies: parse, validate, store with provenance (ingest), the validation worker,
submission records, publishers' imports, disclosure checks and the CSV template."""
