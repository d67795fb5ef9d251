"""Fabric chaincode of the credit evidence ledger (run as chaincode-as-a-service)."""
