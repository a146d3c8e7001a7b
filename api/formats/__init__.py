"""Parsers and renderers by family (sdmx, rdf, tabular, html), each declaring its formats once (``spec``); beside
them the one content negotiator (``negotiation``) and the submission reader that picks a parser by suffix."""
