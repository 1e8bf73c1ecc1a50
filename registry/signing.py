"""The registry's Ed25519 signing key: it signs entry permits and published list exports.

The private key is a PEM file named by ``REGISTRY_SIGNING_KEY_FILE``; where none exists a
development key is made once (mode 0600). The public key is published at a fixed address
(``registry:signing-key``) so that a gate or a reader of a list checks a signature offline.

A permit token is ``v1.<payload>.<signature>`` (base64url, no padding): the payload is
canonical JSON naming the roster row and what the gate shows (masked name, provider,
school, term, dates); the signature covers ``v1.<payload>``. Checking it needs no database.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

TOKEN_VERSION = "v1"  # noqa: S105 - a format tag, not a secret
MAX_TOKEN_LENGTH = 2048


class BadToken(ValueError):
    """A token that is malformed, tampered with or signed by another key."""


@functools.cache
def _load(path: str) -> Ed25519PrivateKey:
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())
        try:  # O_EXCL: two processes starting at once keep the first one's key
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as out:
                out.write(pem)
    key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 private key")
    return key


def private_key() -> Ed25519PrivateKey:
    return _load(str(settings.REGISTRY_SIGNING_KEY_FILE))


@functools.cache
def _public(path: str) -> Ed25519PublicKey:
    return _load(path).public_key()


def public_key() -> Ed25519PublicKey:
    return _public(str(settings.REGISTRY_SIGNING_KEY_FILE))


def public_key_pem() -> bytes:
    return public_key().public_bytes(serialization.Encoding.PEM,
                                     serialization.PublicFormat.SubjectPublicKeyInfo)


def sign(data: bytes) -> bytes:
    return private_key().sign(data)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise BadToken("not base64url") from exc


def token_make(payload: dict) -> str:
    """A signed token carrying ``payload`` (JSON-serialisable)."""
    body = _b64(json.dumps(payload, sort_keys=True, ensure_ascii=False,
                           separators=(",", ":")).encode())
    signed = f"{TOKEN_VERSION}.{body}"
    return f"{signed}.{_b64(sign(signed.encode()))}"


def token_read(token: str, key: Ed25519PublicKey | None = None) -> dict:
    """The payload of ``token`` if its signature is the registry key's; else :class:`BadToken`.
    No database: the gate's offline check is the same computation."""
    if not token or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise BadToken("malformed")
    version, body, signature = token.split(".")
    if version != TOKEN_VERSION:
        raise BadToken("unknown version")
    try:
        (key or public_key()).verify(_unb64(signature), f"{version}.{body}".encode())
    except InvalidSignature as exc:
        raise BadToken("bad signature") from exc
    try:
        payload = json.loads(_unb64(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadToken("bad payload") from exc
    if not isinstance(payload, dict):
        raise BadToken("bad payload")
    return payload


def mask_name(name: str) -> str:
    """A person's name with all but its first and last characters hidden: 张*华, 李*."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
