"""Validation: SHACL shapes (pyshacl or a compiled SPARQL engine), set-based checks, integrity constraints."""
