"""Dereferenceable IRIs: what each IRI the registry mints says, VoID and schema.org markup."""
