"""Composition: one LedgerContext wires settings, store, pipeline and access together."""
