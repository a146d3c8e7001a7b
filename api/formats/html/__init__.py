"""HTML page models: the linked-data pages and schema.org markup."""
