"""Pure proof core: canonical JSON, commitments, RFC 9162 Merkle trees, headers, keys, bundles.

No I/O and no service state: everything an outside verifier recomputes lives here.
"""
