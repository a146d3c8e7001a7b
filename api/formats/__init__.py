"""Parsers and renderers by family (sdmx, rdf, tabular, html), each module one format; beside them content
negotiation (``media``) and the submission reader that picks a parser by suffix."""
