"""Static pages the API serves (the certificate and proof verification page)."""
