"""Open Badges 3.0: each certificate as a signed OpenBadgeCredential, valid against the
official schema, its VC-JWT proof checked with another JOSE library (joserfc) than the
one that signs (PyJWT), and the Verify page's check of a pasted credential."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import struct
import uuid
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from joserfc import jws, jwt
from joserfc.jwk import KeySet
from jsonschema import Draft201909Validator
from PIL import Image
from sqlalchemy import update

from core.badge_image import achievement_image, bake, unbake
from core.badges import (
    CHANGED,
    EXPIRED,
    NOT_ELIGIBLE,
    NOT_OURS,
    REVOKED,
    VALID,
    BadgeKey,
    build_credential,
    check_credential,
    issue_badge,
    issuer_profile,
    jwks,
    level_of,
    linkedin_address,
    make_badge_key,
    read_facts,
    sign,
    status_document,
)
from core.db import session_scope
from core.errors import InvalidInput, NotFound
from core.models import Certificate, Role
from core.revocation import revoke_certificate
from core.verify import describe
from tests.factories import make_actor, make_candidate, make_centre, make_certificate

REFERENCE = (
    Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "openbadges-3.0"
)
TODAY = dt.date(2026, 12, 6)


def _schema(name: str) -> Draft201909Validator:
    return Draft201909Validator(json.loads((REFERENCE / name).read_text()))


@pytest.fixture
def client() -> str:
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture
def certificate(db_url, badge_keys_dir) -> dict:
    """Siân O'Brien's Distinction, issued 6 June 2019, expiring 6 June 2029."""
    with session_scope(db_url) as session:
        centre = make_centre(session, "Fanshaws")
        candidate = make_candidate(
            session, first_name="Siân", surname="O'Brien", email="Sian@Mail.example"
        )
        made = make_certificate(
            session, centre, candidate=candidate, issue_date=dt.date(2019, 6, 6)
        )
        made.grade, made.expiry_date = "Distinction", dt.date(2029, 6, 6)
        session.flush()
        return {"id": made.id, "number": made.number, "centre": centre}


def _issue(db_url, certificate_id: int):
    with session_scope(db_url) as session:
        return issue_badge(session, certificate_id=certificate_id)


def _check(db_url, text: str, client: str, today: dt.date = TODAY):
    with session_scope(db_url) as session:
        return check_credential(session, text=text, client=client, today=today)


def _payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_the_credential_is_valid_against_the_official_schema(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    errors = [
        error.message
        for error in _schema("achievementcredential.schema.json").iter_errors(badge.document())
    ]
    assert errors == []
    assert badge.credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]


def test_the_issuer_profile_is_valid_against_the_profile_schema(db_url, badge_keys_dir):
    profile = issuer_profile()
    assert list(_schema("profile.schema.json").iter_errors(profile)) == []
    assert profile["publicKey"] == jwks()["keys"]


def test_the_credential_says_what_the_certificate_says(db_url, certificate):
    credential = _issue(db_url, certificate["id"]).credential
    subject = credential["credentialSubject"]
    achievement = subject["achievement"]
    assert credential["issuer"]["name"] == "Institute of the Motor Industry"
    assert achievement["name"] == "IMI Level 3 Diploma"
    assert achievement["humanCode"].startswith("603/")
    assert achievement["tag"] == ["Qualification", "Level 3"]
    assert achievement["achievementType"] == "Diploma"
    assert subject["result"][0]["value"] == "Distinction"
    assert subject["licenseNumber"] == certificate["number"]
    assert credential["issuanceDate"] == "2019-06-06T00:00:00Z"
    assert credential["expirationDate"] == "2029-06-06T23:59:59Z"
    assert credential["credentialStatus"]["id"].startswith(
        "https://certificates.example/badges/status/"
    )


def test_the_candidate_is_a_salted_email_hash_and_never_the_date_of_birth(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    email = next(
        item
        for item in badge.credential["credentialSubject"]["identifier"]
        if item["identityType"] == "emailAddress"
    )
    import hashlib

    expected = hashlib.sha256(("sian@mail.example" + email["salt"]).encode()).hexdigest()
    assert email["hashed"] is True and email["identityHash"] == f"sha256${expected}"
    assert "1981" not in badge.jwt and "1981" not in json.dumps(badge.document())


def test_without_an_email_the_certificate_number_identifies_the_candidate(db_url, badge_keys_dir):
    with session_scope(db_url) as session:
        centre = make_centre(session)
        candidate = make_candidate(session, email=None)
        made = make_certificate(session, centre, candidate=candidate)
        facts = read_facts(session, [made.id])[made.id]
    identifiers = build_credential(facts)["credentialSubject"]["identifier"]
    assert identifiers[1] == {
        "type": "IdentityObject",
        "hashed": False,
        "identityHash": made.number,
        "identityType": "identifier",
    }


@pytest.mark.parametrize(
    ("issue_date", "revoked"), [(dt.date(2017, 10, 31), False), (dt.date(2019, 1, 1), True)]
)
def test_certificates_before_november_2017_or_revoked_have_no_badge(
    db_url, badge_keys_dir, issue_date, revoked
):
    with session_scope(db_url) as session:
        made = make_certificate(session, make_centre(session), issue_date=issue_date)
        made.revoked = revoked
    with pytest.raises(NotFound, match="1 November 2017"):
        _issue(db_url, made.id)
    assert "1 November 2017" in NOT_ELIGIBLE


def test_the_proof_verifies_with_another_jose_library_from_the_published_keys(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    keys = KeySet.import_key_set(json.loads(json.dumps(jwks())))
    token = jwt.decode(badge.jwt, keys, algorithms=["RS256"])
    header = token.header
    assert set(header) == {"alg", "kid", "typ"} and header["typ"] == "JWT"
    assert header["kid"].startswith("https://certificates.example/badges/keys/")
    claims = token.claims
    assert claims["vc"] == badge.credential
    assert claims["iss"] == badge.credential["issuer"]["id"]
    assert claims["jti"] == badge.credential["id"]
    assert claims["sub"] == badge.credential["credentialSubject"]["id"]
    assert claims["nbf"] == int(dt.datetime(2019, 6, 6, tzinfo=dt.UTC).timestamp())
    assert claims["exp"] == int(dt.datetime(2029, 6, 6, 23, 59, 59, tzinfo=dt.UTC).timestamp())


def test_a_changed_payload_fails_the_other_librarys_check(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    head, _body, signature = badge.jwt.split(".")
    claims = _payload(badge.jwt)
    claims["vc"]["credentialSubject"]["result"][0]["value"] = "Pass"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    keys = KeySet.import_key_set(jwks())
    with pytest.raises(Exception, match="signature"):
        jws.deserialize_compact(f"{head}.{forged}.{signature}", keys)


def test_the_published_keys_hold_nothing_private(db_url, badge_keys_dir):
    for key in jwks()["keys"]:
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_a_rotation_keeps_older_credentials_verifiable(db_url, certificate, client):
    older = _issue(db_url, certificate["id"])
    make_badge_key(now=dt.datetime(2099, 1, 1))
    newer = _issue(db_url, certificate["id"])
    kid = lambda token: json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]  # noqa: E731
    assert kid(older.jwt) != kid(newer.jwt)
    assert len(jwks()["keys"]) == 2
    assert _check(db_url, older.jwt, client).verdict == VALID
    assert _check(db_url, newer.jwt, client).verdict == VALID


def test_a_retired_key_kept_as_its_public_half_still_verifies(
    db_url, certificate, client, badge_keys_dir
):
    older = _issue(db_url, certificate["id"])
    (path,) = badge_keys_dir.glob("*.pem")
    from core.badges import badge_keys

    (key,) = badge_keys()
    from cryptography.hazmat.primitives import serialization

    public = key.public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path.unlink()
    (badge_keys_dir / f"{key.kid}.pub.pem").write_bytes(public)
    assert _check(db_url, older.jwt, client).verdict == VALID


def test_our_json_file_and_the_jwt_alone_are_both_valid(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    for text in (badge.file_bytes().decode(), badge.jwt):
        found = _check(db_url, text, client)
        assert (found.verdict, found.certificate.number) == (VALID, certificate["number"])


def test_a_revoked_certificates_credential_answers_revoked(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    with session_scope(db_url) as session:
        staff = make_actor(session, role=Role.STAFF)
        revoke_certificate(
            session, actor=staff, number=certificate["number"], reason="Issued in error"
        )
    assert _check(db_url, badge.jwt, client).verdict == REVOKED


def test_an_expired_certificates_credential_answers_expired(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    found = _check(db_url, badge.jwt, client, today=dt.date(2030, 1, 1))
    assert (found.verdict, found.reason) == (EXPIRED, "Expired on 06/06/2029")


def test_an_edited_json_file_answers_changed(db_url, certificate, client):
    document = _issue(db_url, certificate["id"]).document()
    document["credentialSubject"]["result"][0]["value"] = "Distinction*"
    assert _check(db_url, json.dumps(document), client).verdict == CHANGED


def test_a_jwt_with_a_changed_payload_answers_changed(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    head, _, signature = badge.jwt.split(".")
    claims = _payload(badge.jwt)
    claims["vc"]["name"] = "IMI Level 4 Diploma"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert _check(db_url, f"{head}.{forged}.{signature}", client).verdict == CHANGED


def test_a_credential_whose_certificate_was_corrected_since_answers_changed(
    db_url, certificate, client
):
    badge = _issue(db_url, certificate["id"])
    with session_scope(db_url) as session:
        session.execute(
            update(Certificate).where(Certificate.id == certificate["id"]).values(grade="Merit")
        )
    assert _check(db_url, badge.jwt, client).verdict == CHANGED


def test_a_credential_signed_with_another_key_is_not_issued_by_us(
    db_url, certificate, client, tmp_path
):
    badge = _issue(db_url, certificate["id"])
    from core.badges import _load

    stranger: BadgeKey = _load(tmp_path / f"{make_badge_key(tmp_path)}.pem")
    assert _check(db_url, sign(badge.credential, stranger), client).verdict == NOT_OURS


def test_a_credential_without_a_proof_is_not_issued_by_us(db_url, certificate, client):
    credential = _issue(db_url, certificate["id"]).credential
    assert _check(db_url, json.dumps(credential), client).verdict == NOT_OURS


def test_the_status_document_lists_the_credential_once_revoked(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    code = badge.credential["id"].rsplit("/", 1)[-1]
    with session_scope(db_url) as session:
        assert status_document(session, code=code)["revokedCredentials"] == []
        staff = make_actor(session, role=Role.STAFF)
        revoke_certificate(session, actor=staff, number=certificate["number"], reason="Fraud")
    with session_scope(db_url) as session:
        listed = status_document(session, code=code)["revokedCredentials"]
    assert listed == [{"id": badge.credential["id"], "revocationReason": "Fraud"}]


def test_the_linkedin_address_carries_name_issuer_month_and_verify_address(db_url, certificate):
    with session_scope(db_url) as session:
        shown = describe(session.get(Certificate, certificate["id"]), TODAY)
    address = linkedin_address(shown, "https://certificates.example/verify?code=abc")
    parts = urlsplit(address)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    assert parse_qs(parts.query) == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["IMI Level 3 Diploma"],
        "organizationName": ["Institute of the Motor Industry"],
        "issueYear": ["2019"],
        "issueMonth": ["6"],
        "expirationYear": ["2029"],
        "expirationMonth": ["6"],
        "certUrl": ["https://certificates.example/verify?code=abc"],
        "certId": [certificate["number"]],
    }


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("IMI Level 3 Diploma in Light Vehicle Maintenance", "Level 3"),
        ("IMI Entry Level Award in Vehicle Studies", "Entry Level"),
        ("Quality Assured Programme in Bodywork", None),
    ],
)
def test_the_level_is_read_from_the_qualification_title(title, level):
    assert level_of(title) == level


# The badge image: a PNG with the credential baked in (Open Badges 3.0, 5.3.1) ----------


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """Every chunk of a PNG as (type, data), read by hand (not by the library that
    wrote it), each CRC checked."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        at += 12 + length
    return chunks


def test_the_badge_image_carries_the_signed_credential_in_one_uncompressed_itxt_chunk(
    db_url, certificate
):
    badge = _issue(db_url, certificate["id"])
    chunks = _png_chunks(badge.image_bytes())
    baked = [body for kind, body in chunks if body.startswith(b"openbadgecredential\0")]
    assert len(baked) == 1
    kind = next(kind for kind, body in chunks if body is baked[0])
    _, _, rest = baked[0].partition(b"\0")  # the keyword, matched above
    compressed, method, rest = rest[0], rest[1], rest[2:]
    language, _, rest = rest.partition(b"\0")
    translated, _, text = rest.partition(b"\0")
    assert (kind, compressed, method, language, translated) == (b"iTXt", 0, 0, b"", b"")
    assert text.decode() == badge.jwt
    kinds = [kind for kind, _ in chunks]
    assert kinds.index(b"iTXt") < kinds.index(b"IDAT")  # found before any pixel is read


def test_baking_again_replaces_the_credential_rather_than_adding_a_second(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    again = bake(badge.image_bytes(), "header.payload.signature")
    baked = [body for _, body in _png_chunks(again) if body.startswith(b"openbadgecredential")]
    assert len(baked) == 1 and baked[0].endswith(b"header.payload.signature")


def test_the_badge_image_shows_the_qualification(db_url, certificate):
    badge = _issue(db_url, certificate["id"])
    achievement = badge.credential["credentialSubject"]["achievement"]
    with Image.open(io.BytesIO(badge.image_bytes())) as image:
        assert image.size == (600, 600)
        assert image.getpixel((300, 32))[:3] == (0x0B, 0x6E, 0x4F)  # the portal's green
    assert achievement_image(
        achievement["name"], achievement["humanCode"], tuple(achievement["tag"])
    ) != achievement_image("Another qualification", "600/0000/0", ("Certificate",))


def test_an_uploaded_badge_image_verifies_as_valid(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    with session_scope(db_url) as session:
        found = check_credential(session, upload=badge.image_bytes(), client=client, today=TODAY)
    assert (found.verdict, found.certificate.number) == (VALID, certificate["number"])


def test_a_badge_image_whose_credential_was_edited_answers_changed(db_url, certificate, client):
    badge = _issue(db_url, certificate["id"])
    head, _, signature = badge.jwt.split(".")
    claims = _payload(badge.jwt)
    claims["vc"]["credentialSubject"]["result"][0]["value"] = "Distinction*"
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    tampered = bake(badge.image_bytes(), f"{head}.{edited}.{signature}")
    with session_scope(db_url) as session:
        found = check_credential(session, upload=tampered, client=client, today=TODAY)
    assert found.verdict == CHANGED


def test_an_image_without_a_credential_is_refused_in_words(db_url, certificate, client):
    plain = io.BytesIO()
    Image.new("RGB", (10, 10), "white").save(plain, format="PNG")
    with session_scope(db_url) as session, pytest.raises(InvalidInput) as refused:
        check_credential(session, upload=plain.getvalue(), client=client)
    assert refused.value.message == "That image has no Open Badge credential baked into it."


def test_a_file_that_only_starts_like_a_png_is_refused_in_words(db_url, certificate, client):
    with session_scope(db_url) as session, pytest.raises(InvalidInput) as refused:
        check_credential(session, upload=b"\x89PNG\r\n\x1a\nnot a png", client=client)
    assert refused.value.message == "That image cannot be read as a PNG."


def _png(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in chunks
    )


def test_an_image_claiming_billions_of_pixels_is_refused_without_decoding_it(
    db_url, certificate, client
):
    header = struct.pack(">IIBBBBB", 200_000, 200_000, 8, 2, 0, 0, 0)
    bomb = _png([(b"IHDR", header), (b"IDAT", zlib.compress(b"\0" * 100)), (b"IEND", b"")])
    with session_scope(db_url) as session, pytest.raises(InvalidInput) as refused:
        check_credential(session, upload=bomb, client=client)
    assert refused.value.message == "That image is far too large to be a badge."


def test_a_credential_written_after_the_image_data_is_found_too(db_url, certificate, client):
    """Other bakers may put the chunk after IDAT; the spec says read to the first one."""
    badge = _issue(db_url, certificate["id"])
    chunks = [(k, b) for k, b in _png_chunks(badge.image_bytes()) if k != b"iTXt"]
    itxt = b"openbadgecredential\0\0\0\0\0" + badge.jwt.encode()
    chunks.insert(len(chunks) - 1, (b"iTXt", itxt))  # just before IEND
    assert unbake(_png(chunks)) == badge.jwt
