"""Credit certificates: W3C Verifiable Credentials 2.0 signed with eddsa-jcs-2022.

credential (build the VC from a score and its proof bundle), dataintegrity (the
proof suite), multibase (base58btc, did:key), status_list (Bitstring Status
List revocation), pdf (the bilingual cover), service (issue, revoke, read),
verify (every check a bank runs, by name).
"""
