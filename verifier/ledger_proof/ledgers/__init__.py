"""Reading anchors back from ledgers the verifier pinned (Fabric, EVM)."""
