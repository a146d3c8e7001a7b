"""The web app: ``app.py`` builds it, ``routes/`` holds one module per capability (each parses input, calls one
service, renders the result); beside them authentication, conditional requests, security headers, templates."""
