"""Tables: the CSV template, and the CSV and JSON writers of the read API."""
