"""Plain frozen dataclasses for the domain; nothing from the web or RDF libraries."""
