"""Model-based tests: random anchoring sessions against a ten-line model of the chain rules."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaincode.evidence import rules

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["next", "replay", "fork", "gap", "bad_prev", "forged"]),
        st.integers(min_value=0, max_value=50),
    ),
    max_size=25,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actions=ACTIONS)
def test_random_sessions_follow_the_model(make_ledger, identities, make_signer, actions):
    ledger, signer = make_ledger(), make_signer()
    forger = make_signer(seed=b"\x0f" * 32)
    admin, client = identities["platform_admin"], identities["platform_client"]
    assert ledger.call(admin, "RegisterLedger", "L1", signer.public_key_b64).ok
    chain: list[dict] = []  # the model: headers accepted so far, in order

    def tip() -> str:
        return signer.hash(chain[-1]) if chain else "0" * 64

    for kind, n in actions:
        if kind == "next":
            h, by, want = signer.header(len(chain), tip(), root_byte="a"), signer, None
        elif kind == "replay" and chain:
            h, by, want = chain[n % len(chain)], signer, None
        elif kind == "fork" and chain:
            old = chain[n % len(chain)]
            h, by, want = dict(old, merkle_root="f" * 64), signer, rules.FORK
        elif kind == "gap":
            h, by, want = signer.header(len(chain) + 1 + n % 3, tip()), signer, rules.GAP
        elif kind == "bad_prev" and chain:
            h, by, want = signer.header(len(chain), "e" * 64), signer, rules.PREV_MISMATCH
        elif kind == "forged":
            h, by, want = signer.header(len(chain), tip()), forger, rules.BAD_SIGNATURE
        else:
            continue
        res = ledger.call(client, "AnchorBatch", json.dumps(h), by.sign(h))
        if want is None:
            assert res.ok, res.message
            body = res.json()
            if body["replayed"]:
                assert h in chain
            else:
                assert h["seq"] == len(chain)
                chain.append(h)
        else:
            assert not res.ok and res.message.startswith(want + ":"), (kind, res.message)
    head = ledger.call(admin, "GetHead", "L1").json()
    assert head["seq"] == (len(chain) - 1 if chain else None)
    assert head["header_hash"] == (tip() if chain else None)
    for seq, h in enumerate(chain):
        assert ledger.call(admin, "GetBatch", "L1", seq).json()["header"] == h


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(value=JSON)
def test_parse_header_never_crashes(value):
    """Anything that is not a well-formed header is MALFORMED, never an exception."""
    try:
        header = rules.parse_header(json.dumps(value))
    except rules.ChaincodeRefusal as exc:
        assert exc.code == rules.MALFORMED
    else:
        assert isinstance(header, dict) and header["version"] == 1
