"""The evidence chaincode: batch-header anchoring and the certificate registry.

``rules`` holds the pure validation logic (no Fabric imports), ``contract`` the
Fabric contract that applies it to world state, ``shim_fixes`` the workarounds
for fabric-chaincode-python 2.5.4 defects, and ``server`` the process entry point.
"""
