"""EVM tests: registry, certificate token, artifacts (eth-tester always, anvil marked evm)."""
