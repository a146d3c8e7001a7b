-- Virtuoso 7: the read-only user of the public SPARQL endpoint (MPR_STORE_PUBLIC_USER), run once as dba with
-- isql, each statement on its own (docs/deploy.md). $user and $password are the setting's values.
-- Virtuoso's graph-level security: no graph is readable by default, neither by this user nor by the
-- unauthenticated one (so the registry's own queries go to /sparql-auth as MPR_STORE_USER); the registry
-- grants this user read access (1) to each public graph and withdraws it (0) as graphs are published,
-- released from embargo or withdrawn, through DB.DBA.MPR_PUBLIC_GRAPH, which only dba may execute.
DB.DBA.USER_CREATE ('$user', '$password')
;
GRANT SPARQL_SELECT TO "$user"
;
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 0)
;
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('$user', 0)
;
CREATE PROCEDURE DB.DBA.MPR_PUBLIC_GRAPH (in who varchar, in graph varchar, in readable integer)
{
  if (readable <> 0) readable := 1;
  DB.DBA.RDF_GRAPH_USER_PERMS_SET (graph, who, readable);
  return readable;
}
;
