"""Parsers and renderers, one module per format."""
