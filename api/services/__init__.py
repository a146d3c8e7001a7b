"""Services: one per user job; routes and CLI commands call exactly one of them."""
