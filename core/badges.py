"""Open Badges 3.0: every certificate issued on or after 1 November 2017 and not revoked
as an `OpenBadgeCredential` (W3C Verifiable Credentials Data Model 1.1), signed as a
VC-JWT (Open Badges 3.0 section 8.2) with a key of the awarding body.

What a credential holds (docs/badges.md shows one): the awarding body as issuer profile;
the qualification as achievement (title, number as humanCode, level and kind as tags,
kind as achievementType); the candidate as identity objects (their name, and their
email hashed with a salt, or the certificate number when no email is known; never the
date of birth); the grade as a result; issuance and expiry dates; a credentialStatus
at the portal (a 1EdTech revocation list of this one credential) so that revocation
shows to any verifier.

Keys: PEM files in BADGE_KEYS_DIR, one per key id; the newest signs, and every one is
published (JWKS at /.well-known/jwks.json, each key at its `kid` address, and in the
issuer profile), so a rotation keeps older credentials verifiable. A retired key may be
kept as its public half only (`<kid>.pub.pem`).

Credentials are made when asked for, from the register: nothing is stored, so the same
certificate always gives the same credential (until its details or the key change).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.orm import Session

from core.badge_image import achievement_image, bake, credential_text
from core.certificate_pdf import AWARDING_BODY
from core.certificates import PDF_FROM
from core.config import get_settings
from core.db import session_scope
from core.errors import InvalidInput, NotFound, PortalError
from core.models import (
    Candidate,
    Certificate,
    QualificationKind,
    Verification,
    VerificationMethod,
    utcnow,
)
from core.models import Qualification as QualificationRow
from core.users import Actor
from core.verify import VerifiedCertificate, certificate_status, check_rate, describe

CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
]
SCHEMA = {
    "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
    "type": "1EdTechJsonSchemaValidator2019",
}
PROOF_TYPE = "JwtProof2020"
ALGORITHMS: dict[str, type[RSAAlgorithm] | type[ECAlgorithm]] = {
    "RS256": RSAAlgorithm,
    "ES256": ECAlgorithm,
}
NOT_ELIGIBLE = (
    "This certificate has no Open Badge: badges are issued for certificates issued on or "
    "after 1 November 2017 that are not revoked."
)
NO_KEY = (
    "No Open Badges signing key: make one with `python -m core.cli make-badge-key` "
    "(make run does this)."
)
MAX_CREDENTIAL_CHARS = 200_000
_KID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
_LEVEL = re.compile(r"\b(Entry Level|Level [1-8])\b", re.IGNORECASE)
_ACHIEVEMENT_TYPES = {"Award": "Award", "Certificate": "Certificate", "Diploma": "Diploma"}


class BadgeKeyMissing(PortalError):
    """No signing key in BADGE_KEYS_DIR; the message says how to make one."""


# Keys ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeKey:
    kid: str  # the short id (file name); the JWT's kid header is its address
    algorithm: str
    public: Any
    private: Any | None = None

    @property
    def uri(self) -> str:
        return key_address(self.kid)

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK (never `d`: nothing private)."""
        found: dict[str, Any] = dict(ALGORITHMS[self.algorithm].to_jwk(self.public, as_dict=True))
        names = ("kty", "n", "e", "crv", "x", "y")
        public: dict[str, Any] = {name: found[name] for name in names if name in found}
        return {**public, "kid": self.uri, "alg": self.algorithm, "use": "sig"}


def key_address(kid: str) -> str:
    return get_settings().address(f"badges/keys/{kid}")


def _algorithm(public: Any) -> str:
    if isinstance(public, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return "ES256"
    raise ValueError("Open Badges keys are RSA (RS256) or EC P-256 (ES256)")


def _load(path: Path) -> BadgeKey:
    data = path.read_bytes()
    if path.name.endswith(".pub.pem"):
        public = serialization.load_pem_public_key(data)
        return BadgeKey(path.name.removesuffix(".pub.pem"), _algorithm(public), public)
    private = serialization.load_pem_private_key(data, password=None)
    public = private.public_key()
    return BadgeKey(path.name.removesuffix(".pem"), _algorithm(public), public, private)


@lru_cache(maxsize=4)
def _keys_in(folder: str, listing: tuple[tuple[str, float], ...]) -> tuple[BadgeKey, ...]:
    return tuple(_load(Path(folder) / name) for name, _ in listing)


def badge_keys() -> tuple[BadgeKey, ...]:
    """Every key in BADGE_KEYS_DIR, oldest first (key ids start with their date), read
    again only when the folder changes."""
    folder = Path(get_settings().badge_keys_dir)
    if not folder.is_dir():
        return ()
    listing = tuple(
        sorted(
            (path.name, path.stat().st_mtime)
            for path in folder.iterdir()
            if path.name.endswith(".pem") and _KID.match(path.name.split(".")[0])
        )
    )
    return _keys_in(str(folder), listing)


def signing_key() -> BadgeKey:
    """The newest key that has its private half."""
    usable = [key for key in badge_keys() if key.private is not None]
    if not usable:
        raise BadgeKeyMissing(NO_KEY)
    return usable[-1]


def make_badge_key(
    folder: Path | None = None, algorithm: str = "RS256", now: dt.datetime | None = None
) -> str:
    """A new signing key (the newest signs from now on); returns its key id."""
    folder = Path(folder or get_settings().badge_keys_dir)
    folder.mkdir(parents=True, exist_ok=True)
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif algorithm == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ValueError("choose RS256 or ES256")
    kid = f"{(now or utcnow()):%Y%m%d%H%M%S}-{secrets.token_hex(3)}"
    path = folder / f"{kid}.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)
    return kid


def jwks() -> dict[str, list[dict[str, Any]]]:
    """Every public key, newest first (/.well-known/jwks.json)."""
    return {"keys": [key.jwk() for key in reversed(badge_keys())]}


def public_jwk(kid: str) -> dict[str, Any]:
    for key in badge_keys():
        if key.kid == kid:
            return key.jwk()
    raise NotFound("There is no key with that ID.")


def issuer_id() -> str:
    return get_settings().address("badges/issuer")


def issuer_profile() -> dict[str, Any]:
    """The awarding body's issuer profile document, with its public keys."""
    return {
        "@context": CONTEXT,
        "id": issuer_id(),
        "type": ["Profile"],
        "name": AWARDING_BODY,
        "url": get_settings().public_url.rstrip("/") + "/",
        "email": get_settings().mail_from,
        "description": f"{AWARDING_BODY}, the awarding body whose certificates these are. "
        "Its public keys verify the VC-JWT proof of every Open Badge it issues.",
        "publicKey": jwks()["keys"],
    }


# The credential ------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeFacts:
    """What a credential says, read from the register."""

    number: str
    first_name: str
    surname: str
    email: str | None
    qualification_title: str
    qualification_number: str
    kind: str
    grade: str
    issue_date: dt.date
    expiry_date: dt.date | None
    verify_code: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.surname}"


def is_eligible(issue_date: dt.date, revoked: bool) -> bool:
    return issue_date >= PDF_FROM and not revoked


def level_of(title: str) -> str | None:
    """The qualification's level as its title says it ("Level 3"), if it does."""
    found = _LEVEL.search(title)
    return found.group(1).title().replace("Entry level", "Entry Level") if found else None


def _achievement_type(kind: str, title: str) -> str:
    if kind == QualificationKind.QAP:
        return "LearningProgram"
    if kind == QualificationKind.ACCREDITATION:
        return "Certification"
    for word, kind_name in _ACHIEVEMENT_TYPES.items():
        if word.lower() in title.lower():
            return kind_name
    return "Certificate"


def _salt(number: str) -> str:
    settings = get_settings()
    secret = settings.badge_identity_salt or f"badge-identity:{settings.secret_key}"
    return hmac.new(secret.encode(), number.encode(), hashlib.sha256).hexdigest()[:16]


def hashed_email(email: str, salt: str) -> str:
    """Open Badges' identityHash: sha256$ and the hex SHA-256 of the email and salt."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def _timestamp(day: dt.date, end_of_day: bool = False) -> str:
    return f"{day.isoformat()}T{'23:59:59' if end_of_day else '00:00:00'}Z"


def credential_id(verify_code: str) -> str:
    return get_settings().address(f"badges/credentials/{verify_code}")


def status_address(verify_code: str) -> str:
    return get_settings().address(f"badges/status/{verify_code}")


def _subject_id(number: str) -> str:
    """A stable, opaque id for the holder of this certificate (the JWT's sub)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, credential_id("") + _salt(number)).urn


def build_credential(facts: BadgeFacts) -> dict[str, Any]:
    """The OpenBadgeCredential of a certificate (no proof: sign it with `sign`)."""
    address = get_settings().address
    achievement_id = address(f"badges/achievements/{quote(facts.qualification_number, safe='')}")
    grade_id = f"{achievement_id}#grade"
    level = level_of(facts.qualification_title)
    if facts.email:
        salt = _salt(facts.number)
        holder = {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": hashed_email(facts.email, salt),
            "identityType": "emailAddress",
            "salt": salt,
        }
    else:
        holder = {
            "type": "IdentityObject",
            "hashed": False,
            "identityHash": facts.number,
            "identityType": "identifier",
        }
    credential: dict[str, Any] = {
        "@context": CONTEXT,
        "id": credential_id(facts.verify_code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.qualification_title,
        "description": f"{facts.full_name} achieved {facts.qualification_title} "
        f"({facts.qualification_number}), grade {facts.grade}, certificate "
        f"{facts.number}, awarded by the {AWARDING_BODY}.",
        "issuer": {
            "id": issuer_id(),
            "type": ["Profile"],
            "name": AWARDING_BODY,
            "url": get_settings().public_url.rstrip("/") + "/",
        },
        "issuanceDate": _timestamp(facts.issue_date),
        "awardedDate": _timestamp(facts.issue_date),
        "credentialSubject": {
            "id": _subject_id(facts.number),
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "hashed": False,
                    "identityHash": facts.full_name,
                    "identityType": "ext:name",
                },
                holder,
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": _achievement_type(facts.kind, facts.qualification_title),
                "name": facts.qualification_title,
                "description": f"{facts.kind}: {facts.qualification_title}, "
                f"qualification number {facts.qualification_number}.",
                "criteria": {
                    "narrative": "Assessed at an approved centre and certificated by the "
                    f"{AWARDING_BODY}."
                },
                "humanCode": facts.qualification_number,
                "tag": [facts.kind, *([level] if level else [])],
                "resultDescription": [
                    {
                        "id": grade_id,
                        "type": ["ResultDescription"],
                        "name": "Grade",
                        "resultType": "LetterGrade",
                    }
                ],
            },
            "result": [{"type": ["Result"], "resultDescription": grade_id, "value": facts.grade}],
            "licenseNumber": facts.number,
        },
        "credentialStatus": {
            "id": status_address(facts.verify_code),
            "type": "1EdTechRevocationList",
        },
        "credentialSchema": [SCHEMA],
    }
    if facts.expiry_date is not None:
        credential["expirationDate"] = _timestamp(facts.expiry_date, end_of_day=True)
    return credential


def _numeric_date(timestamp: str) -> int:
    return int(dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


def sign(credential: dict[str, Any], key: BadgeKey | None = None) -> str:
    """The credential as a VC-JWT (compact JWS): header alg, kid (the key's address),
    typ JWT; claims iss, jti, nbf, sub, exp (when it expires) and vc."""
    key = key or signing_key()
    claims = {
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": _numeric_date(credential["issuanceDate"]),
        "sub": credential["credentialSubject"]["id"],
        "vc": credential,
    }
    if "expirationDate" in credential:
        claims["exp"] = _numeric_date(credential["expirationDate"])
    if key.private is None:
        raise ValueError(f"badge key {key.kid} has only its public half: it cannot sign")
    return jwt.encode(
        claims, key.private, algorithm=key.algorithm, headers={"kid": key.uri, "typ": "JWT"}
    )


@dataclass(frozen=True)
class IssuedBadge:
    credential: dict[str, Any]
    jwt: str
    number: str

    def document(self) -> dict[str, Any]:
        """The credential with its VC-JWT as proof: the Open Badge file a holder keeps."""
        return {**self.credential, "proof": [{"type": PROOF_TYPE, "jwt": self.jwt}]}

    def file_bytes(self) -> bytes:
        return json.dumps(self.document(), indent=2, ensure_ascii=False).encode()

    @property
    def file_name(self) -> str:
        return f"open-badge-{self.number}.json"

    def image_bytes(self) -> bytes:
        """The badge picture of the qualification with this credential baked into it."""
        achievement = self.credential["credentialSubject"]["achievement"]
        picture = achievement_image(
            achievement["name"], achievement["humanCode"], tuple(achievement["tag"])
        )
        return bake(picture, self.jwt)

    @property
    def image_file_name(self) -> str:
        return f"open-badge-{self.number}.png"


def _facts_query() -> Select:
    return (
        select(
            Certificate.id,
            Certificate.number,
            Candidate.first_name,
            Candidate.surname,
            Candidate.email,
            QualificationRow.title,
            QualificationRow.number.label("qualification_number"),
            QualificationRow.kind,
            Certificate.grade,
            Certificate.issue_date,
            Certificate.expiry_date,
            Certificate.verify_code,
            Certificate.revoked,
        )
        .join_from(Certificate, Candidate, Candidate.id == Certificate.candidate_id)
        .join(QualificationRow, QualificationRow.id == Certificate.qualification_id)
    )


def _give_codes(session: Session, certificate_ids: list[int]) -> None:
    """A verification code for each certificate without one (the credential's id)."""
    table = Certificate.__table__
    missing = session.scalars(
        select(table.c.id).where(table.c.id.in_(certificate_ids), table.c.verify_code.is_(None))
    ).all()
    if missing:
        session.execute(
            update(table)
            .where(table.c.id == bindparam("certificate_id"), table.c.verify_code.is_(None))
            .values(verify_code=bindparam("code")),
            [{"certificate_id": id_, "code": secrets.token_urlsafe(18)} for id_ in missing],
        )


def read_facts(session: Session, certificate_ids: list[int]) -> dict[int, BadgeFacts]:
    """The facts of the eligible certificates among `certificate_ids` (callers scope
    the ids first), each given a verification code if it had none."""
    _give_codes(session, certificate_ids)
    rows = session.execute(_facts_query().where(Certificate.id.in_(certificate_ids))).all()
    return {
        row[0]: BadgeFacts(*row[1:12]) for row in rows if is_eligible(row.issue_date, row.revoked)
    }


def issue_badge(session: Session, *, certificate_id: int) -> IssuedBadge:
    """The signed credential of one certificate (callers scope it first); NotFound
    saying why when the certificate has none."""
    facts = read_facts(session, [certificate_id]).get(certificate_id)
    if facts is None:
        raise NotFound(NOT_ELIGIBLE)
    credential = build_credential(facts)
    return IssuedBadge(credential, sign(credential), facts.number)


def badge_by_code(session: Session, *, code: str) -> IssuedBadge:
    """The credential whose id ends in this code (the code of the certificate's QR
    address): what its id dereferences to."""
    certificate_id = session.scalar(
        select(Certificate.id).where(Certificate.verify_code == (code or "")[:40])
    )
    if certificate_id is None:
        raise NotFound("There is no credential with that ID.")
    return issue_badge(session, certificate_id=certificate_id)


def centre_badge(session: Session, *, actor: Actor, certificate_id: int) -> IssuedBadge:
    """A certificate's badge for a centre (another centre's: NotFound, as missing)."""
    from core.certificates import visible_certificate

    visible_certificate(session, actor=actor, certificate_id=certificate_id)
    return issue_badge(session, certificate_id=certificate_id)


def badge_files(certificate_ids: list[int]) -> dict[int, IssuedBadge]:
    """Signed credentials of many certificates (an export's chunk): read in one short
    transaction, signed outside it."""
    with session_scope() as session:
        facts = read_facts(session, certificate_ids)
    key = signing_key()
    badges = {}
    for certificate_id, found in facts.items():
        credential = build_credential(found)
        badges[certificate_id] = IssuedBadge(credential, sign(credential, key), found.number)
    return badges


# LinkedIn ------------------------------------------------------------------------------


def linkedin_address(certificate: VerifiedCertificate, verify_url: str) -> str:
    """LinkedIn's add-to-profile address: the qualification, the awarding body, the
    issue (and expiry) month, the verify address and the certificate number."""
    fields: dict[str, object] = {
        "startTask": "CERTIFICATION_NAME",
        "name": certificate.qualification_title,
        "organizationName": certificate.awarding_body,
        "issueYear": certificate.issue_date.year,
        "issueMonth": certificate.issue_date.month,
    }
    if certificate.expiry_date is not None:
        fields["expirationYear"] = certificate.expiry_date.year
        fields["expirationMonth"] = certificate.expiry_date.month
    fields |= {"certUrl": verify_url, "certId": certificate.number}
    return "https://www.linkedin.com/profile/add?" + urlencode(fields)


# Status --------------------------------------------------------------------------------


def status_document(session: Session, *, code: str) -> dict[str, Any]:
    """The credential's status as a 1EdTech revocation list holding this credential
    when it is revoked (and the portal's own word: Valid, Expired or Revoked)."""
    certificate = session.scalar(select(Certificate).where(Certificate.verify_code == code))
    if certificate is None or certificate.issue_date < PDF_FROM:
        raise NotFound("There is no credential with that ID.")
    described = describe(certificate, dt.date.today())
    revoked = (
        [{"id": credential_id(code), "revocationReason": certificate.revoked_reason or "Revoked"}]
        if certificate.revoked
        else []
    )
    return {
        "id": status_address(code),
        "issuer": issuer_id(),
        "revokedCredentials": revoked,
        "status": described.status,
    }


# Checking a credential -----------------------------------------------------------------

VALID, REVOKED, EXPIRED, NOT_OURS, CHANGED = (
    "Valid",
    "Revoked",
    "Expired",
    "Not issued by us",
    "Changed",
)


@dataclass(frozen=True)
class CredentialCheck:
    """The answer about a credential: one of Valid, Revoked, Expired, Not issued by us
    or Changed, why, and the certificate as our register holds it (when found)."""

    verdict: str
    reason: str
    certificate: VerifiedCertificate | None = None


def _b64json(part: str) -> dict[str, Any]:
    padded = part + "=" * (-len(part) % 4)
    value = json.loads(base64.urlsafe_b64decode(padded))
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _read(text: str) -> tuple[str | None, dict[str, Any] | None]:
    """(the VC-JWT, the JSON document it came in if any) from what was pasted."""
    text = (text or "").strip()
    if len(text) > MAX_CREDENTIAL_CHARS:
        raise InvalidInput("That is too long to be one of our credentials.")
    if not text:
        raise InvalidInput("Paste an Open Badge credential (JSON or JWT), or upload its file.")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise InvalidInput("That is not valid JSON: paste the whole credential.") from None
        if not isinstance(document, dict):
            raise InvalidInput("That is not an Open Badge credential.")
        proofs = document.get("proof") or []
        proofs = proofs if isinstance(proofs, list) else [proofs]
        tokens = [p.get("jwt") for p in proofs if isinstance(p, dict) and p.get("jwt")]
        return (str(tokens[0]) if tokens else None), document
    if text.count(".") == 2:
        return text, None
    raise InvalidInput("That is neither a JSON credential nor a JWT.")


def _fingerprint(credential: dict[str, Any]) -> tuple[object, ...]:
    """What a holder's credential and the register must agree on."""
    subject = credential.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    names = [
        item.get("identityHash")
        for item in subject.get("identifier") or []
        if isinstance(item, dict) and item.get("identityType") == "ext:name"
    ]
    return (
        credential.get("id"),
        names,
        achievement.get("name"),
        achievement.get("humanCode"),
        [result.get("value") for result in subject.get("result") or []],
        subject.get("licenseNumber"),
        credential.get("issuanceDate"),
        credential.get("expirationDate"),
    )


def _record(session: Session, certificate_id: int | None) -> None:
    """Every question is recorded, in the caller's unit of work (a check never fails
    after it)."""
    session.add(
        Verification(
            certificate_id=certificate_id,
            method=VerificationMethod.BADGE.value,
            found=certificate_id is not None,
        )
    )


def _described(row: Row, today: dt.date) -> VerifiedCertificate:
    """What the Verify page shows, from the facts row (as core.verify.describe)."""
    status, on = certificate_status(
        revoked=row.revoked, revoked_at=row.revoked_at, expiry_date=row.expiry_date, today=today
    )
    return VerifiedCertificate(
        number=row.number,
        full_name=f"{row.first_name} {row.surname}",
        qualification_title=row.title,
        qualification_number=row.qualification_number,
        grade=row.grade,
        issue_date=row.issue_date,
        expiry_date=row.expiry_date,
        awarding_body=AWARDING_BODY,
        status=status,
        status_date=on,
    )


def _signed_claims(token: str) -> dict[str, Any] | CredentialCheck:
    try:
        header = _b64json(token.split(".")[0])
    except (ValueError, binascii.Error):
        return CredentialCheck(NOT_OURS, "This is not a JWT we can read.")
    keys = {key.uri: key for key in badge_keys()}
    key = keys.get(header.get("kid", ""))
    if key is None or header.get("alg") != key.algorithm:
        return CredentialCheck(NOT_OURS, "It is not signed with any key of ours.")
    try:
        return jwt.decode(
            token,
            key.public,
            algorithms=[key.algorithm],
            options={"verify_exp": False, "verify_nbf": False, "require": ["iss", "jti", "vc"]},
        )
    except jwt.InvalidSignatureError:
        return CredentialCheck(CHANGED, "It was altered after we signed it.")
    except jwt.InvalidTokenError:
        return CredentialCheck(NOT_OURS, "Its proof is not one we made.")


def check_credential(
    session: Session,
    *,
    text: str = "",
    upload: bytes | None = None,
    client: str,
    today: dt.date | None = None,
) -> CredentialCheck:
    """Check a pasted `text` or an uploaded file (our JSON file, the VC-JWT alone, or a
    badge image with the credential baked in): its proof against our published keys,
    then what it says against the register. The client's rate limit comes first, before
    any work on what was sent."""
    check_rate(client)
    if upload is not None:
        text = credential_text(upload)
    return assess_credential(session, text=text, today=today)


def assess_credential(
    session: Session, *, text: str, today: dt.date | None = None
) -> CredentialCheck:
    """check_credential without the client's rate limit (its cost is the limiter's,
    the same for every way of verifying): the proof, then the register."""
    today = today or dt.date.today()
    token, document = _read(text)
    if token is None:
        _record(session, None)
        return CredentialCheck(NOT_OURS, "It carries no proof (signature) of ours.")
    claims = _signed_claims(token)
    if isinstance(claims, CredentialCheck):
        _record(session, None)
        return claims
    signed = claims["vc"]
    if not isinstance(signed, dict) or claims.get("jti") != signed.get("id"):
        _record(session, None)
        return CredentialCheck(CHANGED, "Its claims and its credential disagree.")
    if claims.get("iss") != issuer_id():
        _record(session, None)
        return CredentialCheck(NOT_OURS, "It names another issuer.")
    code = str(signed.get("id", "")).rsplit("/", 1)[-1]
    row = session.execute(
        _facts_query().add_columns(Certificate.revoked_at).where(Certificate.verify_code == code)
    ).first()
    _record(session, row.id if row else None)
    if row is None or row.issue_date < PDF_FROM:
        return CredentialCheck(NOT_OURS, "Our register has no certificate for it.")
    described = _described(row, today)
    if document is not None:
        shown = {name: value for name, value in document.items() if name != "proof"}
        if shown != signed:
            return CredentialCheck(CHANGED, "Its JSON was altered after we signed it.", described)
    if described.status == "Revoked":
        return CredentialCheck(REVOKED, described.status_text, described)
    if described.status == "Expired":
        return CredentialCheck(EXPIRED, described.status_text, described)
    if _fingerprint(build_credential(BadgeFacts(*row[1:12]))) != _fingerprint(signed):
        return CredentialCheck(
            CHANGED, "It no longer matches our register: ask for a new one.", described
        )
    return CredentialCheck(VALID, "Signed by us, unchanged, and matches our register.", described)
