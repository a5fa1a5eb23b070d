"""Public tracking codes (`KN-2026-7H3K9Q`) and lookup secrets.

Alphabet: digits and capitals without 0/O, 1/I/L, so codes survive being read aloud or retyped.
It has 31 symbols (a prime), so a weighted mod-31 check character catches every single-character
typo and every swap of two adjacent characters.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from casework.states import KIND_PREFIXES, Kind

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
assert len(ALPHABET) == 31
RANDOM_LEN = 5
SECRET_LEN = 10  # ≈ 49.5 bits: a high-entropy token, so a salted fast hash is adequate

_PREFIX_TO_KIND = {v: k for k, v in KIND_PREFIXES.items()}
CODE_RE = re.compile(r"^(KNG|KN|TC|PA|HD)-(\d{4})-([%s]{%d})$" % (ALPHABET, RANDOM_LEN + 1))


def _check_char(body: str) -> str:
    # Positional weights 1..n over the code's characters (prefix and year included, mapped into Z_31).
    total = sum((i + 1) * (ALPHABET.index(c) if c in ALPHABET else ord(c)) for i, c in enumerate(body))
    return ALPHABET[total % 31]


def make_code(kind: Kind, year: int) -> str:
    rand = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LEN))
    body = f"{KIND_PREFIXES[kind]}-{year}-{rand}"
    return body + _check_char(body)


def normalize_code(raw: str) -> str:
    """Upper-case, trim, unify dash look-alikes and drop inner spaces people type."""
    text = raw.strip().upper().replace("–", "-").replace("—", "-").replace(" ", "")
    return text


def is_valid_code(code: str) -> bool:
    m = CODE_RE.match(code)
    return bool(m) and _check_char(code[:-1]) == code[-1]


def kind_of_code(code: str) -> Kind | None:
    m = CODE_RE.match(code)
    return _PREFIX_TO_KIND.get(m.group(1)) if m else None


def make_secret() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LEN))


def derive_secret(signing_key: bytes, idempotency_key: str) -> str:
    """The secret for an idempotent intake: a retry with the same key gets the same secret back,
    without the server ever storing the secret itself."""
    digest = hmac.new(signing_key, b"lookup-secret\x00" + idempotency_key.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest, "big")
    out = []
    for _ in range(SECRET_LEN):
        n, r = divmod(n, 31)
        out.append(ALPHABET[r])
    return "".join(out)


def hash_secret(secret: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{normalize_code(secret)}".encode()).hexdigest()
    return f"{salt}${digest}"


def verify_secret(secret: str, stored: str | None) -> bool:
    if not stored or "$" not in stored:
        return False
    salt, _ = stored.split("$", 1)
    return hmac.compare_digest(hash_secret(secret, salt), stored)
