"""HTTP routes, one module per capability: each parses input, calls one service, renders the result."""
