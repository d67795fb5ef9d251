"""Credit evidence ledger: typed evidence events committed into signed, anchored Merkle batches."""

__version__ = "0.1.0"
