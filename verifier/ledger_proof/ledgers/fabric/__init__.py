"""A Fabric Gateway client (Evaluate, Endorse, Submit, CommitStatus) and a read-only view
of the evidence chaincode. Needs the fabric extra: grpcio, protobuf, hyperledger-fabric-protos,
cryptography."""
