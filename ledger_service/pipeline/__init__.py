"""The life of an event: intake, sealing, anchoring, reading proofs back, erasure, audit."""
