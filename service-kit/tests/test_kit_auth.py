"""Verifying identity's access tokens: what is refused, how the JWKS is refetched, and that a token is checked once."""

import asyncio
import base64
import contextlib
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from opencme_kit import auth
from opencme_kit.auth import Principal, TokenVerifier
from opencme_kit.problems import Problem


class Signer:
    """An ES256 key of identity's, publishing its public half under `kid`."""

    def __init__(self, kid: str | None = None, curve: ec.EllipticCurve | None = None) -> None:
        self.key = ec.generate_private_key(curve or ec.SECP256R1())
        self.kid = kid or f"k-{uuid.uuid4().hex[:8]}"

    def jwk(self) -> dict:
        return {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key())), "kid": self.kid}

    def claims(self, **changes) -> dict:
        now = int(time.time())
        claims = {
            "iss": auth.ISSUER,
            "aud": auth.AUDIENCE,
            "sub": str(uuid.uuid4()),
            "iat": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "roles": ["learner"],
            "email": "jane@example.org",
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}  # None: leave the claim out

    def token(self, **changes) -> str:
        return jwt.encode(self.claims(**changes), self.key, algorithm="ES256", headers={"kid": self.kid})

    def signed(self, header: dict, claims: dict) -> str:
        """A token with exactly `header`, correctly signed with ES256 whatever the header says."""
        signing_input = f"{segment(header)}.{segment(claims)}"
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{segment(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def segment(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@contextlib.contextmanager
def jwks_server(*signers: Signer):
    """Serves the JWKS of `signers` (replace `server.keys` to rotate) and counts the fetches in `server.fetches`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.server.fetches += 1
            body = json.dumps({"keys": self.server.keys}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.keys = [s.jwk() for s in signers]
    server.fetches = 0
    server.url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


SIGNER = Signer()


def verifier() -> TokenVerifier:
    return TokenVerifier.from_jwks({"keys": [SIGNER.jwk()]})


async def refused(verifier: TokenVerifier, token: str) -> Problem:
    with pytest.raises(Problem) as raised:
        await verifier.verify(token)
    return raised.value


async def test_a_valid_token_gives_its_learner_roles_email_and_session():
    sid = uuid.uuid4()
    claims = SIGNER.claims(roles=["learner", "staff"], sid=str(sid))
    token = jwt.encode(claims, SIGNER.key, algorithm="ES256", headers={"kid": SIGNER.kid})

    principal = await verifier().verify(token)

    assert principal == Principal(
        id=uuid.UUID(claims["sub"]), roles=frozenset({"learner", "staff"}), email="jane@example.org", session_id=sid
    )


async def test_an_audience_list_that_names_us_is_accepted():
    principal = await verifier().verify(SIGNER.token(aud=["another-service", auth.AUDIENCE]))
    assert principal.roles == frozenset({"learner"})


NOW = int(time.time())


def moment(value: object) -> object:
    if isinstance(value, int) and value > 10**9:
        return "past" if value < NOW else "future"
    return value


@pytest.mark.parametrize(
    "changes",
    [
        {"exp": NOW - 1},
        {"exp": None},
        {"iat": NOW + 3600},
        {"iat": None},
        {"nbf": NOW + 3600},
        {"iss": "someone-else"},
        {"iss": None},
        {"aud": "another-service"},
        {"aud": ["another-service"]},
        {"aud": None},
        {"sub": None},
        {"sub": "not-a-uuid"},
        {"sub": 42},
        {"jti": 7},
        {"sid": "not-a-uuid"},
    ],
    # Times as "past"/"future", not as numbers: every pytest-xdist worker must collect the same ids.
    ids=lambda changes: ",".join(f"{k}={moment(v)}" for k, v in changes.items()),
)
async def test_a_token_with_a_bad_claim_is_refused_as_invalid(changes):
    problem = await refused(verifier(), SIGNER.token(**changes))
    assert (problem.status, problem.detail) == (401, "invalid or expired access token")
    assert problem.headers == {"WWW-Authenticate": "Bearer"}


def tampered_payload() -> str:
    header, _, signature = SIGNER.token().split(".")
    return ".".join([header, segment(SIGNER.claims(roles=["admin"])), signature])


def signed_by_another_key_under_our_kid() -> str:
    return jwt.encode(SIGNER.claims(), Signer().key, algorithm="ES256", headers={"kid": SIGNER.kid})


def unsigned() -> str:
    return ".".join([segment({"alg": "none", "kid": SIGNER.kid}), segment(SIGNER.claims()), ""])


def hmac_keyed_with_the_public_key() -> str:
    """The classic confusion: HS256 with the verifier's own public key as the secret."""
    public = SIGNER.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{segment({'alg': 'HS256', 'kid': SIGNER.kid})}.{segment(SIGNER.claims())}"
    mac = hmac.HMAC(public, hashes.SHA256())
    mac.update(signing_input.encode())
    return f"{signing_input}.{segment(mac.finalize())}"


def short_signature() -> str:
    header, payload, signature = SIGNER.token().split(".")
    return f"{header}.{payload}.{signature[:40]}"


@pytest.mark.parametrize(
    "token",
    [
        tampered_payload(),
        signed_by_another_key_under_our_kid(),
        unsigned(),
        hmac_keyed_with_the_public_key(),
        SIGNER.signed({"alg": "ES256", "kid": SIGNER.kid, "crit": ["exp"]}, SIGNER.claims()),
        SIGNER.signed({"alg": "ES384", "kid": SIGNER.kid}, SIGNER.claims()),
        short_signature(),
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "!!!.???.***",
        f"{segment(b'[1, 2]')}.{segment({})}.AAAA",
        f"{segment(b'not json')}.{segment({})}.AAAA",
        SIGNER.token().replace(".", "é.", 1),
        SIGNER.token() + "\x00",
        SIGNER.token().replace(".", ".\n", 1),
    ],
    ids=[
        "tampered payload",
        "another key under our kid",
        "alg none",
        "HS256 with the public key",
        "unknown critical extension",
        "another algorithm",
        "short signature",
        "empty",
        "one segment",
        "two segments",
        "four segments",
        "not base64",
        "header not an object",
        "header not JSON",
        "non-ASCII",
        "trailing NUL",
        "line break in a segment",
    ],
)
async def test_a_forged_or_malformed_token_is_refused_as_invalid(token):
    problem = await refused(verifier(), token)
    assert (problem.status, problem.detail) == (401, "invalid or expired access token")


async def test_a_key_of_another_curve_under_a_known_kid_does_not_verify():
    p384 = Signer(curve=ec.SECP384R1())
    token = jwt.encode(SIGNER.claims(), p384.key, algorithm="ES384", headers={"kid": p384.kid})
    forged = ".".join([segment({"alg": "ES256", "kid": p384.kid}), *token.split(".")[1:]])
    problem = await refused(TokenVerifier.from_jwks({"keys": [SIGNER.jwk(), p384.jwk()]}), forged)
    assert problem.status == 401


async def test_an_unknown_kid_fetches_the_jwks_once_and_a_rotated_key_then_verifies():
    old, new = Signer(), Signer()
    with jwks_server(old) as server:
        verifier = TokenVerifier(server.url, refetch_interval=1.0)
        await verifier.verify(old.token())
        assert server.fetches == 1

        server.keys = [old.jwk(), new.jwk()]  # identity publishes its next key
        await asyncio.sleep(1.05)  # refetched at most once a second here (10 s by default)
        await asyncio.gather(*(verifier.verify(new.token()) for _ in range(5)))
        await verifier.verify(old.token())

        assert server.fetches == 2


async def test_a_kid_still_unknown_after_the_refetch_is_refused_without_fetching_again():
    stranger = Signer()
    with jwks_server(SIGNER) as server:
        verifier = TokenVerifier(server.url)
        for _ in range(3):
            problem = await refused(verifier, stranger.token())
            assert (problem.status, problem.detail) == (401, "token signed with an unknown key")
        assert server.fetches == 1


async def test_unreachable_keys_are_a_503_to_retry():
    with jwks_server() as server:
        url = server.url
    problem = await refused(TokenVerifier(url), SIGNER.token())
    assert (problem.status, problem.headers) == (503, {"Retry-After": "5"})


async def test_a_token_is_checked_once_and_then_recognised(monkeypatch):
    checked = []
    decode = jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *args, **kwargs: checked.append(args) or decode(*args, **kwargs))
    verifier, token = TokenVerifier.from_jwks({"keys": [SIGNER.jwk()]}), SIGNER.token()

    first, again = await verifier.verify(token), await verifier.verify(token)
    await verifier.verify(SIGNER.token())  # another token is checked on its own

    assert first == again and len(checked) == 2


async def test_a_recognised_token_is_refused_once_it_expires():
    verifier = TokenVerifier.from_jwks({"keys": [SIGNER.jwk()]})
    expires = int(time.time()) + 2
    token = SIGNER.token(exp=expires)
    await verifier.verify(token)

    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)

    problem = await refused(verifier, token)
    assert (problem.status, problem.detail) == (401, "invalid or expired access token")


async def test_a_recognised_token_is_refused_once_its_key_left_the_jwks():
    retiring, next_key = Signer(), Signer()
    with jwks_server(retiring) as server:
        verifier = TokenVerifier(server.url, refetch_interval=0)
        token = retiring.token()
        await verifier.verify(token)

        server.keys = [next_key.jwk()]  # the old key is retired
        await verifier.verify(next_key.token())  # an unknown kid: the verifier refetches

        problem = await refused(verifier, token)
        assert (problem.status, problem.detail) == (401, "token signed with an unknown key")


async def test_only_so_many_tokens_are_remembered_the_oldest_forgotten_first(monkeypatch):
    checked = []
    decode = jwt.decode
    monkeypatch.setattr(auth.jwt, "decode", lambda *args, **kwargs: checked.append(args) or decode(*args, **kwargs))
    verifier = TokenVerifier.from_jwks({"keys": [SIGNER.jwk()]})
    verifier.remembered = 2
    first, second, third = SIGNER.token(), SIGNER.token(), SIGNER.token()

    for token in (first, second, third, third, second, first):
        await verifier.verify(token)

    assert len(checked) == 4  # each once, and the first again after the third pushed it out


async def test_a_header_seen_in_a_verified_token_is_not_parsed_again_yet_forgeries_under_it_are_refused(monkeypatch):
    parsed = []
    get_unverified_header = jwt.get_unverified_header
    monkeypatch.setattr(
        auth.jwt, "get_unverified_header", lambda token: parsed.append(token) or get_unverified_header(token)
    )
    verifier = TokenVerifier.from_jwks({"keys": [SIGNER.jwk()]})

    await verifier.verify(SIGNER.token())
    await verifier.verify(SIGNER.token())  # a new token under the same header: its key id is known
    forgeries = [tampered_payload(), signed_by_another_key_under_our_kid(), short_signature()]
    problems = [await refused(verifier, token) for token in forgeries]

    assert len(parsed) == 1
    assert [(p.status, p.detail) for p in problems] == [(401, "invalid or expired access token")] * 3
