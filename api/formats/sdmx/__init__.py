"""SDMX messages: data and structure writers (SDMX-ML 2.1/3.0, SDMX-JSON, SDMX-CSV), errors,
content negotiation and the SDMX-ML reader for uploads."""
