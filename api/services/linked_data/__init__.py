"""Dereferenceable IRIs: what each IRI the registry mints says (resolve, with schema.org markup) and the VoID
description of the whole registry (void)."""
