"""Writing batch headers to ledgers (Hyperledger Fabric, EVM) and reading them back."""
