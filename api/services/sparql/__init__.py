"""The public SPARQL endpoint: query checks, the admission gate, the worker processes and the CLI query."""
