"""Reliability tests reuse the EVM tests' anvil node (a real JSON-RPC chain that outlives
the service processes these tests kill)."""

from tests.evm.conftest import anvil_node  # noqa: F401  (re-exported fixture)
