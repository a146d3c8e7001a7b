"""RDF: the Data Cube and PROV descriptions of submissions, RDF readers and writers, SPARQL results."""
