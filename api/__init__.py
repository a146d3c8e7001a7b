"""Migration Profile Registry: migration-profile indicators as linked data, SDMX, REST and SPARQL."""

__version__ = "0.1.0"
