"""Credit certificates as a verifier reads them: VC shape, eddsa-jcs-2022, status lists,
tokens, and every check by name."""
