"""The identity providers' client secrets, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is ``PLP_SSO_SECRET_KEY`` (a Fernet key: ``python -c "from cryptography.fernet import
Fernet; print(Fernet.generate_key().decode())"``) when set, else one derived from ``SECRET_KEY``.
Secrets encrypted under an earlier key still decrypt (the key derived from ``SECRET_KEY`` and
from each of ``SECRET_KEY_FALLBACKS``), so rotating either does not lock an organisation out;
``identity_provider_secrets_reencrypt`` moves them to the current key."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"
_SALT = "plp_portal.sso.client_secret"


class SecretUnreadable(Exception):
    """The stored secret was encrypted under a key this server no longer has."""


def _derived(secret_key: str) -> bytes:
    digest = salted_hmac(_SALT, "fernet key", secret=secret_key, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest)


def _fernet() -> MultiFernet:
    keys = []
    if getattr(settings, "PLP_SSO_SECRET_KEY", ""):
        keys.append(settings.PLP_SSO_SECRET_KEY.encode())
    keys.append(_derived(settings.SECRET_KEY))
    keys.extend(_derived(old) for old in getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return MultiFernet([Fernet(key) for key in keys])


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def secret_encrypt(plain: str) -> str:
    """The text to store for the secret ``plain`` (never the secret itself)."""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """The secret stored as ``stored`` (``secret_encrypt``'s output). A value that is not
    encrypted is refused, never used: every stored secret is encrypted (migration 0002 encrypted
    those saved before)."""
    if not is_encrypted(stored):
        raise SecretUnreadable("the client secret is not stored encrypted")
    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable("the client secret cannot be decrypted with this server's keys") from error


def secret_reencrypt(stored: str) -> str:
    """``stored`` under the current key (for a key rotation)."""
    if not is_encrypted(stored):
        return secret_encrypt(stored)
    return PREFIX + _fernet().rotate(stored[len(PREFIX):].encode()).decode()
