"""The verifier's building blocks at their edges: exact values, bounds and refusals.

Each case pins what a caller observes (a returned value, the exception type
and its message) at the boundary where an off-by-one or a flipped condition
would change it: the smallest header, the last bit of a status list, the
longest accepted index, a key or signature one byte short.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from typing import Any

import pytest
from nacl.signing import SigningKey

from ledger_proof import merkle
from ledger_proof.canonical import (
    MAX_DEPTH,
    CanonicalizationError,
    _fast_path_ok,
    canonicalize,
    canonicalize_reference,
)
from ledger_proof.certificates import model, status_list
from ledger_proof.certificates.dataintegrity import ProofError, add_proof, verify_proof
from ledger_proof.certificates.multibase import (
    MultibaseError,
    b58decode,
    b58encode,
    decode_z,
    did_key,
    public_key_from_did_key,
    public_key_from_multibase,
    public_key_multibase,
    seed_from_multibase,
)
from ledger_proof.certificates.token import URI_PREFIX, token_checks, token_id_for_certificate
from ledger_proof.commitment import SALT_BYTES, commit, commitment_of, new_salt, new_salts
from ledger_proof.headers import HeaderError, check_shape, make_header
from ledger_proof.policy import CheckOnly, PinnedKeys, Unpinned, UnsafeNoOp, policy_for
from ledger_proof.signing import (
    InvalidKey,
    InvalidSignature,
    ServiceKey,
    b64d,
    b64e,
    load_verify_key,
    verify,
)
from ledger_proof.verdict import Check, Verdict

SEED = bytes(range(32))
KEY = ServiceKey(SigningKey(SEED))


def _raises(exc_type: type[Exception], message: str, fn: Any, *args: Any) -> None:
    with pytest.raises(exc_type) as info:
        fn(*args)
    assert str(info.value) == message


# --- headers ---------------------------------------------------------------------------

def _header(**change: Any) -> dict[str, Any]:
    header = make_header(ledger_id="l", seq=0, prev_header_hash="0" * 64,
                         merkle_root="ab" * 32, size=1, first_event="e", last_event="e",
                         sealed_at="2026-01-01T00:00:00Z")
    header.update(change)
    return header


def test_smallest_header_is_accepted() -> None:
    header = _header()
    assert check_shape(header) is header


@pytest.mark.parametrize(("change", "message"), [
    ({"size": 0}, "header.size must be at least 1"),
    ({"seq": -1}, "header.seq must be a non-negative integer"),
    ({"version": False}, "header.version must be a non-negative integer"),
    ({"merkle_root": "X" * 64}, "header.merkle_root must be 64 lowercase hex characters"),
    ({"merkle_root": "a" * 65}, "header.merkle_root must be 64 lowercase hex characters"),
    ({"prev_header_hash": None}, "header.prev_header_hash must be 64 lowercase hex characters"),
])
def test_header_refusals(change: dict[str, Any], message: str) -> None:
    _raises(HeaderError, message, check_shape, _header(**change))


def test_header_lacks() -> None:
    header = _header()
    del header["ledger_id"], header["size"]
    _raises(HeaderError, "header lacks ledger_id, size", check_shape, header)
    _raises(HeaderError, "header must be a JSON object", check_shape, [header])


# --- merkle ----------------------------------------------------------------------------

LEAVES = [merkle.leaf_hash(bytes([i])) for i in range(7)]


def test_root_from_inclusion_bounds() -> None:
    levels = merkle.build_levels(LEAVES)
    path = merkle.inclusion_path_from_levels(levels, 6)
    assert merkle.root_from_inclusion(6, 7, LEAVES[6], path) == levels[-1][0]
    _raises(merkle.MerkleError, "leaf index 7 outside tree of size 7",
            merkle.root_from_inclusion, 7, 7, LEAVES[6], path)
    _raises(merkle.MerkleError, "leaf index 7 outside tree of size 7",
            merkle.inclusion_path_from_levels, levels, 7)
    _raises(merkle.MerkleError, "inclusion path is longer than the tree is deep",
            merkle.root_from_inclusion, 6, 7, LEAVES[6], [*path, path[0]])
    _raises(merkle.MerkleError, "inclusion path is shorter than the tree is deep",
            merkle.root_from_inclusion, 6, 7, LEAVES[6], path[:-1])


@pytest.mark.parametrize("size", [2, 3, 5, 6, 7, 9, 12])
def test_every_leaf_of_small_trees(size: int) -> None:
    """Right-edge leaves whose subtree is lifted unpaired (the `fn == sn` branch)."""
    leaves = LEAVES[:min(size, 7)] + [merkle.leaf_hash(b"x" + bytes([i])) for i in range(7, size)]
    levels = merkle.build_levels(leaves)
    for index in range(size):
        path = merkle.inclusion_path_from_levels(levels, index)
        assert merkle.root_from_inclusion(index, size, leaves[index], path) == levels[-1][0]


# --- canonical -------------------------------------------------------------------------

def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth - 1):
        value = [value]
    return value


def test_depth_limit_is_exact() -> None:
    """MAX_DEPTH containers nested are accepted, one more is refused, lists and objects alike."""
    deepest = [_nested(MAX_DEPTH)]  # MAX_DEPTH lists around a scalar
    assert canonicalize(deepest) == b"[" * MAX_DEPTH + b"1" + b"]" * MAX_DEPTH
    assert canonicalize({"a": {"b": _nested(MAX_DEPTH - 1)}}).startswith(b'{"a":{"b":[')
    _raises(CanonicalizationError, f"JSON nested deeper than {MAX_DEPTH} levels",
            canonicalize, [deepest])
    _raises(CanonicalizationError, f"JSON nested deeper than {MAX_DEPTH} levels",
            canonicalize, {"a": {"b": _nested(MAX_DEPTH)}})


@pytest.mark.parametrize(("value", "message"), [
    (0.5, "floats are not allowed in evidence; use integers"),
    ({1: 2}, "object keys must be strings"),
    ([2**53], "integer 9007199254740992 is outside the IEEE-754 safe range"),
    ({"a": {1, 2}}, "type set is not JSON"),
])
def test_canonical_refusals(value: Any, message: str) -> None:
    _raises(CanonicalizationError, message, canonicalize, value)


@pytest.mark.parametrize("key", ["\uffff", "\U00010000", "é", "\U0001F600a"])
def test_keys_outside_and_at_the_bmp_edge_sort_as_jcs(key: str) -> None:
    """UTF-16 order: U+10000 (a surrogate pair, D800...) sorts before U+FFFF."""
    value = {key: 1, "\ufb33": 2, "z": 3}
    import rfc8785
    assert canonicalize(value) == rfc8785.dumps(value)


def test_keys_sorted_by_utf16_not_code_point() -> None:
    value = {"\U00010000": 1, "\uffff": 2}
    assert canonicalize(value) == '{"\U00010000":1,"\uffff":2}'.encode()


class _Unreadable(dict):  # a mapping that fails without a message
    def keys(self) -> Any:
        raise ValueError()

    def __iter__(self) -> Any:
        raise ValueError()


def test_reference_refusals_name_the_reason() -> None:
    _raises(CanonicalizationError, "unsupported type: <class 'set'>", canonicalize_reference,
            {1, 2})
    _raises(CanonicalizationError, "ValueError", canonicalize_reference, _Unreadable(a=1))


ORJSON_SURROGATE = "str is not valid UTF-8: surrogates not allowed"
RFC8785_SURROGATE = ("'utf-16-be' codec can't encode character '\\ud800' in position 1: "
                     "surrogates not allowed")


@pytest.mark.parametrize(("value", "fast", "message"), [
    ({"a": "\ud800"}, True, ORJSON_SURROGATE),
    ({"\ud800": 1}, True, ORJSON_SURROGATE),            # non-ASCII key inside the BMP
    ({"\uffff\ud800": 1}, True, ORJSON_SURROGATE),      # U+FFFF is still in the BMP
    ({"\U00010000\ud800": 1}, False, RFC8785_SURROGATE),  # the first code point beyond it
])
def test_which_path_refuses_a_lone_surrogate(value: Any, fast: bool, message: str) -> None:
    """Keys beyond the BMP take the reference path (UTF-16 order); the others orjson's."""
    assert _fast_path_ok(value) is fast
    _raises(CanonicalizationError, message, canonicalize, value)


def test_fast_path_flag_is_a_bool() -> None:
    assert _fast_path_ok({"a": [1, {"b": None}]}) is True
    assert _fast_path_ok({"a": {"\U0001F600": 1}}) is False


# --- signing ---------------------------------------------------------------------------

def test_b64_both_alphabets_and_padding() -> None:
    raw = bytes([0xfb, 0xff, 0xbf])  # "+/+/" in standard base64, "-_-_" URL-safe
    assert b64e(raw) == "+/+/"
    assert b64d("-_-_") == raw == b64d("+/+/") == b64d(" +/+/ ")
    assert b64d("AQ") == b"\x01" == b64d("AQ==")
    assert b64d("AQI") == b"\x01\x02"
    _raises(InvalidKey, "not valid base64: Only base64 data is allowed", b64d, "AQ$=")
    with pytest.raises(InvalidKey):
        b64d("A")


def test_key_and_signature_lengths() -> None:
    message = b"m"
    sig = KEY.sign(message)
    verify(KEY.public_key_b64, message, sig)
    _raises(InvalidKey, "Ed25519 public keys are 32 bytes, got 31", load_verify_key,
            b64e(KEY.public_key[:31]))
    _raises(InvalidSignature, "Ed25519 signatures are 64 bytes, got 63", verify,
            KEY.public_key_b64, message, b64e(base64.b64decode(sig)[:63]))
    _raises(InvalidSignature, "signature does not verify", verify, KEY.public_key_b64, b"n", sig)
    _raises(InvalidSignature, "not valid base64: Only base64 data is allowed", verify,
            KEY.public_key_b64, message, "**")


def test_service_key_from_seed() -> None:
    key = ServiceKey.from_seed_b64(b64e(SEED))
    assert key.public_key == KEY.public_key
    assert key.seed_b64() == b64e(SEED)
    assert key.key_id == "ed25519:" + hashlib.sha256(key.public_key).hexdigest()[:16]
    _raises(InvalidKey, "Ed25519 seeds are 32 bytes, got 33", ServiceKey.from_seed_b64,
            b64e(SEED + b"\0"))


# --- policy ----------------------------------------------------------------------------

def test_policy_choices() -> None:
    assert Unpinned().choose("k", "E") == (
        Unpinned().choose("k", "E").__class__("E", False, "the key inside the document "
                                                          "(not pinned)"))
    choice = UnsafeNoOp().choose(None, "E")
    assert (choice.public_key_b64, choice.trusted, choice.source) == (
        "E", True, "the key inside the document (UnsafeNoOp policy)")
    choice = CheckOnly("K", "s").choose("x", "E")
    assert (choice.public_key_b64, choice.trusted, choice.source) == ("K", False, "s")
    assert Unpinned().choose("k", "E").trusted is False
    assert CheckOnly("K").choose(None, None).trusted is False
    assert UnsafeNoOp().trusts(b"") is True and Unpinned().trusts(KEY.public_key) is False


def test_pinned_keys() -> None:
    other = ServiceKey(SigningKey(bytes(range(1, 33))))
    pinned = PinnedKeys.of(KEY.public_key_b64, other.public_key_b64, source="s")
    assert pinned.keys == {KEY.key_id: KEY.public_key_b64, other.key_id: other.public_key_b64}
    assert pinned.source == "s"
    assert PinnedKeys.of(KEY.public_key_b64).source == "pinned key"
    choice = pinned.choose(other.key_id, None)
    assert (choice.public_key_b64, choice.trusted, choice.source) == (
        other.public_key_b64, True, "s")
    # several keys pinned: an unknown or missing id picks none of them
    assert pinned.choose("ed25519:0", KEY.public_key_b64).public_key_b64 is None
    assert pinned.choose(None, KEY.public_key_b64).trusted is False
    # one key pinned: it judges whatever id the document states
    single = PinnedKeys.of(KEY.public_key_b64)
    assert single.choose(["not", "hashable"], None).public_key_b64 == KEY.public_key_b64
    assert single.trusts(KEY.public_key) and not single.trusts(other.public_key)
    _raises(InvalidKey, "no key to pin", PinnedKeys.of)
    _raises(InvalidKey, "Ed25519 public keys are 32 bytes, got 3", PinnedKeys.of, "AAAA")
    assert isinstance(policy_for({}), Unpinned)
    assert policy_for({"k": "v"}) == PinnedKeys({"k": "v"})


# --- verdict ---------------------------------------------------------------------------

def test_verdict_document() -> None:
    verdict = Verdict()
    verdict.add("a", True, "held", trust=True)
    verdict.add("b", None, "not judged", trust=True)
    assert verdict.check("b").trust is False  # only a pass can carry trust
    assert verdict.check("c") is None
    assert verdict.as_dict() == {
        "verdict": "VALID", "valid": True, "warnings": [],
        "checks": [{"name": "a", "status": "pass", "ok": True, "detail": "held"},
                   {"name": "b", "status": "not_checked", "ok": None, "detail": "not judged"}]}
    unverified = Verdict(how_to_pin="pin it")
    unverified.add("x", True, "d")
    unverified.warn("w")
    assert unverified.as_dict()["how_to_pin"] == "pin it"
    assert unverified.as_dict()["warnings"] == ["w"]
    _raises(ValueError, "check status 'ok'", Check, "n", "ok", "d")


# --- commitments -----------------------------------------------------------------------

def test_commit() -> None:
    salt = bytes(32)
    c = commit({"a": 1}, salt)
    assert c.body == b'{"a":1}'
    assert c.commitment == commitment_of(salt, b'{"a":1}')
    fresh = commit({"a": 1})
    assert len(fresh.salt) == SALT_BYTES and fresh.salt != salt
    assert len(new_salt()) == 32
    salts = new_salts(3)
    assert [len(s) for s in salts] == [32, 32, 32] and len(set(salts)) == 3
    assert new_salts(0) == []
    _raises(ValueError, "salt must be 32 bytes", commit, {"a": 1}, bytes(31))


# --- multibase and did:key ---------------------------------------------------------------

def test_base58_edges() -> None:
    assert b58encode(b"\0\0\x01") == "112"
    assert b58decode("112") == b"\0\0\x01"
    assert b58decode("") == b"" and b58decode("1") == b"\0"
    assert b58encode(b"\x01\x00") == "5R"
    _raises(MultibaseError, "'0' is not a base58btc character", b58decode, "10")
    _raises(MultibaseError, "expected a base58btc multibase value (leading 'z')", decode_z, "u1")
    _raises(MultibaseError, "expected a base58btc multibase value (leading 'z')", decode_z, None)


def test_multikey_edges() -> None:
    pub = KEY.public_key
    mb = public_key_multibase(pub)
    assert mb.startswith("z6Mk") and public_key_from_multibase(mb) == pub
    _raises(MultibaseError, "Ed25519 public keys are 32 bytes", public_key_multibase, pub[:31])
    wrong_prefix = "z" + b58encode(b"\xed\x02" + pub)
    _raises(MultibaseError, "not an Ed25519 Multikey (expected 0xed01 + 32 bytes)",
            public_key_from_multibase, wrong_prefix)
    too_long = "z" + b58encode(b"\xed\x01" + pub + b"\0")
    _raises(MultibaseError, "not an Ed25519 Multikey (expected 0xed01 + 32 bytes)",
            public_key_from_multibase, too_long)
    secret = "z" + b58encode(b"\x80\x26" + SEED)
    assert seed_from_multibase(secret) == SEED
    _raises(MultibaseError, "not an Ed25519 secret Multikey (expected 0x8026 + 32 bytes)",
            seed_from_multibase, "z" + b58encode(b"\x80\x27" + SEED))
    _raises(MultibaseError, "not an Ed25519 secret Multikey (expected 0x8026 + 32 bytes)",
            seed_from_multibase, "z" + b58encode(b"\x80\x26" + SEED[:31]))


def test_did_key_edges() -> None:
    pub = KEY.public_key
    did = did_key(pub)
    mb = did[len("did:key:"):]
    assert public_key_from_did_key(did) == pub == public_key_from_did_key(f"{did}#{mb}")
    _raises(MultibaseError, "did:key fragment must repeat the key", public_key_from_did_key,
            f"{did}#key-1")
    _raises(MultibaseError, "verificationMethod is not a did:key", public_key_from_did_key,
            "did:web:x")
    _raises(MultibaseError, "verificationMethod is not a did:key", public_key_from_did_key, 7)


# --- Data Integrity proofs -------------------------------------------------------------

SIGNER = SigningKey(SEED)
METHOD = f"{did_key(bytes(SIGNER.verify_key))}#{did_key(bytes(SIGNER.verify_key))[8:]}"


def _signed(doc: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return add_proof(doc or {"@context": ["c1", "c2"], "id": "x", "proof": "dropped"}, SIGNER,
                     verification_method=METHOD, created="2026-01-01T00:00:00Z", **kwargs)


def test_add_proof_shape() -> None:
    signed = _signed()
    assert set(signed) == {"@context", "id", "proof"}
    assert {k: v for k, v in signed["proof"].items() if k != "proofValue"} == {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
        "created": "2026-01-01T00:00:00Z", "verificationMethod": METHOD,
        "proofPurpose": "assertionMethod", "@context": ["c1", "c2"]}
    nested = _signed({"@context": ["c1", {"v": "x"}], "id": "x"})
    assert nested["proof"]["@context"][1] is not nested["@context"][1]  # a deep copy
    assert verify_proof(signed) == bytes(SIGNER.verify_key)
    no_context = _signed({"id": "x"})
    assert "@context" not in no_context["proof"]
    assert verify_proof(no_context) == bytes(SIGNER.verify_key)


def test_proof_without_context_takes_the_documents() -> None:
    """vc-di-eddsa §3.3.5: a proof that does not repeat @context is signed over the document's."""
    signed = _signed()
    del signed["proof"]["@context"]
    assert verify_proof(signed) == bytes(SIGNER.verify_key)
    unsecured = {"@context": ["c1"], "id": "x"}
    options = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
               "created": "2026-01-01T00:00:00Z", "verificationMethod": METHOD,
               "proofPurpose": "assertionMethod"}
    from ledger_proof.certificates.dataintegrity import hash_data
    from ledger_proof.certificates.multibase import encode_z
    value = encode_z(SIGNER.sign(hash_data(unsecured, {**options, "@context": ["c1"]})).signature)
    assert verify_proof({**unsecured, "proof": {**options, "proofValue": value}}) == bytes(
        SIGNER.verify_key)


def test_proof_context_prefix() -> None:
    signed = _signed()
    signed["@context"] = ["c1", "c2", "c3"]  # the proof's context is a prefix: signed over it
    assert verify_proof(signed) == bytes(SIGNER.verify_key)
    signed["proof"]["@context"] = "c1"
    signed["@context"] = "c1"
    assert "does not verify" in _error(signed)
    signed["@context"] = ["c2", "c1"]
    assert _error(signed) == "the document's @context does not start with the proof's @context"


def _error(doc: Any, **kwargs: Any) -> str:
    with pytest.raises(ProofError) as info:
        verify_proof(doc, **kwargs)
    return str(info.value)


def test_proof_refusals() -> None:
    assert _error([]) == "the document has no proof object"
    assert _error({"proof": "x"}) == "the document has no proof object"
    signed = _signed()
    signed["proof"]["proofPurpose"] = "authentication"
    assert _error(signed) == "proofPurpose is 'authentication', expected 'assertionMethod'"
    assert "does not verify" in _error(signed, expected_purpose=None)
    signed = _signed()
    signed["proof"]["created"] = "yesterday"
    assert _error(signed) == "proof created 'yesterday' is not an XML Schema datetime"
    signed["proof"]["created"] = "2026-01-01T00:00:00z"  # XML Schema wants an upper-case Z
    assert _error(signed) == "proof created '2026-01-01T00:00:00z' is not an XML Schema datetime"
    signed = _signed()
    del signed["proof"]["created"]
    assert "does not verify" in _error(signed)
    signed = _signed()
    signed["proof"]["proofValue"] = "z" + b58encode(b"\1" * 63)
    assert _error(signed) == "an Ed25519 proofValue is 64 bytes, got 63"
    signed["proof"]["proofValue"] = "x"
    assert _error(signed) == (
        "proofValue: expected a base58btc multibase value (leading 'z')")
    signed = _signed()
    signed["proof"]["verificationMethod"] = 7
    assert _error(signed) == "proof has no verificationMethod"
    signed["proof"]["verificationMethod"] = "did:web:x"
    assert _error(signed) == "verificationMethod is not a did:key"
    signed = _signed()
    signed["proof"]["type"] = "Ed25519Signature2020"
    assert _error(signed) == "proof must be DataIntegrityProof with cryptosuite eddsa-jcs-2022"
    signed = _signed()
    signed["id"] = {1, 2}
    assert _error(signed) == "cannot canonicalize: unsupported type: <class 'set'>"


# --- certificate model -----------------------------------------------------------------

def test_certificate_ids() -> None:
    assert model.certificate_id_of({"id": "urn:uuid:58172AAC-D8BA-11ED-83DD-0B3AEF56CC33"}) == \
        "crt-58172aac-d8ba-11ed-83dd-0b3aef56cc33"
    _raises(model.CredentialError, "the credential id is not a urn:uuid",
            model.certificate_id_of, ["urn:uuid:x"])
    _raises(model.CredentialError, "the credential id is not a urn:uuid",
            model.certificate_id_of, {"id": 7})
    _raises(model.CredentialError, "the credential id is not a valid urn:uuid",
            model.certificate_id_of, {"id": "urn:uuid:xyz"})


def test_text_of() -> None:
    texts = [{"@language": "en", "@value": "Ledger"}, {"@language": "zh", "@value": "账本"}, "x"]
    assert model.text_of(texts, "zh") == "账本"
    assert model.text_of(texts, "fr") is None
    assert model.text_of("plain", "en") == "plain"
    assert model.text_of(7, "en") is None


# --- status lists ----------------------------------------------------------------------

def _raw(encoded: str) -> bytes:
    body = encoded[1:]
    return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))


def test_status_list_encoding() -> None:
    encoded = status_list.encode([0, 9, 13, status_list.LIST_BITS - 1])
    assert encoded.startswith("u") and "=" not in encoded
    packed = _raw(encoded)
    assert packed[4:8] == b"\0\0\0\0"  # gzip mtime 0: the same bits, the same bytes
    assert packed == gzip.compress(gzip.decompress(packed), compresslevel=9, mtime=0)
    bits = gzip.decompress(packed)
    assert len(bits) == 16384
    assert bits[:2] == bytes([0b1000_0000, 0b0100_0100]) and bits[-1] == 1
    assert status_list.decode(encoded) == bits
    assert [i for i in range(16) if status_list.bit(bits, i)] == [0, 9, 13]
    assert status_list.bit(bits, status_list.LIST_BITS - 1) is True
    assert status_list.encode([], size=16) == status_list.encode([], size=16)
    assert gzip.decompress(_raw(status_list.encode([3], size=16))) == b"\x10\x00"
    _raises(status_list.StatusListError, "index 16 is outside a list of 16 bits",
            status_list.encode, [16], 16)
    _raises(status_list.StatusListError, "index -1 is outside a list of 16 bits",
            status_list.encode, [-1], 16)
    assert gzip.decompress(_raw(status_list.encode([0, 15], size=16))) == b"\x80\x01"


@pytest.mark.parametrize("size", [8, 16, 24, 32, 40, 48])
def test_status_list_decodes_every_padding(size: int) -> None:
    for revoked in ([], [0], [size - 1]):
        encoded = status_list.encode(revoked, size=size)
        assert "=" not in encoded  # base64url without padding, as the spec says
        bits = status_list.decode(encoded)
        assert [i for i in range(size) if status_list.bit(bits, i)] == revoked


def test_status_list_bits_bounds() -> None:
    bits = b"\x01\x80"
    assert status_list.bit(bits, 7) is True and status_list.bit(bits, 8) is True
    assert status_list.bit(bits, 0) is False
    _raises(status_list.StatusListError, "statusListIndex 16 is outside the list (16 bits)",
            status_list.bit, bits, 16)
    _raises(status_list.StatusListError, "statusListIndex -1 is outside the list (16 bits)",
            status_list.bit, bits, -1)


def test_status_list_decode_refusals() -> None:
    message = "encodedList must be multibase base64url (leading 'u')"
    _raises(status_list.StatusListError, message, status_list.decode, "zabc")
    _raises(status_list.StatusListError, message, status_list.decode, None)
    with pytest.raises(status_list.StatusListError) as info:
        status_list.decode("uAAAA")
    assert str(info.value).startswith("encodedList does not decode: ")


def test_status_entry_and_list_documents() -> None:
    assert status_list.entry("https://x/1", 5) == {
        "id": "https://x/1#5", "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation", "statusListIndex": "5",
        "statusListCredential": "https://x/1"}
    assert status_list.list_credential("https://x/1", {"id": "did:key:z"}, [1], "2026") == {
        "@context": ["https://www.w3.org/ns/credentials/v2"], "id": "https://x/1",
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": "did:key:z"}, "validFrom": "2026",
        "credentialSubject": {"id": "https://x/1#list", "type": "BitstringStatusList",
                              "statusPurpose": "revocation",
                              "encodedList": status_list.encode([1])}}


def test_parse_entry() -> None:
    good = status_list.entry("https://x/1", 123456789012)
    assert status_list.parse_entry(good) == ("https://x/1", 123456789012)
    assert status_list.parse_entry([{"type": "Other"}, good]) == ("https://x/1", 123456789012)
    suspension = {**good, "statusPurpose": "suspension"}
    other_type = {**good, "type": "StatusList2021Entry"}
    for status in (suspension, other_type, [suspension, other_type], None, "x"):
        _raises(status_list.StatusListError,
                "no BitstringStatusListEntry with statusPurpose revocation",
                status_list.parse_entry, status)
    malformed = ("statusListCredential must be a URL and statusListIndex a decimal string")
    for change in ({"statusListIndex": "1234567890123"}, {"statusListIndex": "٣"},
                   {"statusListIndex": 3}, {"statusListCredential": 1},
                   {"statusListIndex": "-1"}):
        _raises(status_list.MalformedStatusEntry, malformed, status_list.parse_entry,
                {**good, **change})


def test_is_revoked() -> None:
    listing = status_list.list_credential("https://x/1", {}, [4], "2026")
    assert status_list.is_revoked(listing, 4) is True
    assert status_list.is_revoked(listing, 5) is False
    not_list = "not a BitstringStatusListCredential"
    _raises(status_list.StatusListError, not_list, status_list.is_revoked, [listing], 4)
    _raises(status_list.StatusListError, not_list, status_list.is_revoked,
            {"credentialSubject": "x"}, 4)
    _raises(status_list.StatusListError, not_list, status_list.is_revoked,
            {"credentialSubject": {**listing["credentialSubject"], "type": "Other"}}, 4)
    _raises(status_list.StatusListError, "status list purpose is 'suspension'",
            status_list.is_revoked,
            {"credentialSubject": {**listing["credentialSubject"],
                                   "statusPurpose": "suspension"}}, 4)


# --- tokens ----------------------------------------------------------------------------

def test_token_id() -> None:
    assert token_id_for_certificate("crt-1") == int.from_bytes(
        hashlib.sha256(b"crt-1").digest(), "big")
    assert token_id_for_certificate("é") == int(hashlib.sha256("é".encode()).hexdigest(), 16)


STATE = {"exists": True, "locked": True, "revoked": False, "token_uri": URI_PREFIX + "h",
         "token_id": 9, "chain_id": 1, "contract": "0xc"}


def test_token_checks_all_pass() -> None:
    assert token_checks(STATE, "h") == [
        {"name": "token.exists", "ok": True, "detail": "token 9 on chain 1 at 0xc"},
        {"name": "token.locked", "ok": True, "detail": "ERC-5192 locked (non-transferable)"},
        {"name": "token.not_revoked", "ok": True, "detail": "not revoked"},
        {"name": "token.uri_matches", "ok": True,
         "detail": "token URI 'urn:credential:sha256:h', expected 'urn:credential:sha256:h'"}]


def test_token_checks_never_minted() -> None:
    """A token that does not exist passes nothing, whatever else its state says."""
    assert token_checks({**STATE, "exists": False}, "h") == [
        {"name": "token.exists", "ok": False, "detail": "token 9 on chain 1 was never minted"},
        {"name": "token.locked", "ok": False, "detail": "ERC-5192 locked (non-transferable)"},
        {"name": "token.not_revoked", "ok": False, "detail": "not revoked"},
        {"name": "token.uri_matches", "ok": False,
         "detail": "token URI 'urn:credential:sha256:h', expected 'urn:credential:sha256:h'"}]
    assert [c["ok"] for c in token_checks({}, "h")] == [False, False, False, False]


def test_token_checks_each_failure() -> None:
    def oks(**change: Any) -> list[Any]:
        return [(c["ok"], c["detail"]) for c in token_checks({**STATE, **change}, "h")][1:]
    assert oks(locked=False)[0] == (False, "not locked")
    assert oks(locked="yes")[0] == (False, "ERC-5192 locked (non-transferable)")
    assert oks(revoked=True)[1] == (False, "revoked on chain")
    assert oks(revoked=0)[1] == (False, "not revoked")
    assert oks(token_uri=URI_PREFIX + "H")[2] == (
        False, "token URI 'urn:credential:sha256:H', expected 'urn:credential:sha256:h'")


# --- bundles as the service builds them ------------------------------------------------

def test_build_bundle_of_an_erased_event() -> None:
    from ledger_proof.bundle import build_bundle
    bundle = build_bundle(event=None, salt=None, commitment=b"\1" * 32, leaf_hash=b"\2" * 32,
                          leaf_index=0, tree_size=1, path=[], header={"h": 1},
                          header_hash_hex="ab", signature="s", key_id="k", public_key_b64="p",
                          anchors=[])
    assert bundle == {"version": 1, "event": None, "salt": None, "commitment": "01" * 32,
                      "leaf_hash": "02" * 32,
                      "inclusion": {"leaf_index": 0, "tree_size": 1, "hashes": []},
                      "batch": {"header": {"h": 1}, "header_hash": "ab", "signature": "s",
                                "key_id": "k", "public_key": "p"},
                      "anchors": []}
