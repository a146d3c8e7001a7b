"""Services: one per user job, one sub-package per capability (sdmx, read, submissions, sparql, linked_data, admin);
beside them the Registry that owns all state, the ontology, catalogue, build, warm-up and what several share."""
