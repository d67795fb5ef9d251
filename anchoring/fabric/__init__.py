"""Hyperledger Fabric anchoring: a small Gateway client and the ``fabric`` AnchorBackend.

The client speaks the peer's Gateway gRPC service directly with
hyperledger-fabric-protos (no Fabric Python SDK is usable on protobuf 5; see
FACTS.md): identity.py signs, proposal.py builds the protobuf messages,
gateway.py talks to peers, profile.py reads network/run/profile.json and
backend.py adapts all of it to anchoring.backend.AnchorBackend.
"""

from anchoring.fabric.backend import FabricBackend

__all__ = ["FabricBackend"]
