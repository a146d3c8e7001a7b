"""The read model and the JSON read API (/api): observations, indicators, areas, profiles, comparisons,
datasets (DCAT), and the index they all read from."""
