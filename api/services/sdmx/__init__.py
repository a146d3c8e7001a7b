"""SDMX REST data and structures (REST v1.5 / v2): queries, availability, history.
What the /sdmx routes call; formats live in api.formats.sdmx."""
