"""Operating the registry: agencies and tokens, the audit trail, backup and restore, exports."""
