"""A real OpenID Connect provider on loopback for the sign-in tests: npm `oidc-provider` run by
node (tests/oidc_provider/server.mjs). It signs ID tokens with its own RSA key; clients register
by Dynamic Client Registration; its sign-in form lets a test choose the email address, whether
the provider vouches for it, and whether the sign-in used multi-factor authentication."""

from __future__ import annotations

import re
import select
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

SERVER = Path(__file__).resolve().parent / "oidc_provider" / "server.mjs"


class OIDCProvider:
    def __init__(self):
        self.log = tempfile.NamedTemporaryFile(prefix="plp-oidc-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            ["node", str(SERVER)], cwd=SERVER.parent.parent.parent, stdout=subprocess.PIPE,
            stderr=self.log, text=True,
        )
        ready, _, _ = select.select([self.process.stdout], [], [], 30)
        line = self.process.stdout.readline() if ready else ""
        if not line.startswith("listening "):
            self.stop()
            raise RuntimeError(f"the OpenID Connect provider did not start: see {self.log.name}")
        self.issuer = line.split()[1]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def register_client(self, redirect_uri: str) -> tuple[str, str]:
        """A new client (id, secret) that may redirect to ``redirect_uri``."""
        response = requests.post(f"{self.issuer}/reg", json={
            "redirect_uris": [redirect_uri],
            "token_endpoint_auth_method": "client_secret_post",
        }, timeout=10)
        response.raise_for_status()
        client = response.json()
        return client["client_id"], client["client_secret"]

    def sign_in(self, authorize_url: str, *, email: str, verified: bool = True,
                mfa: bool = False, hd: str | None = None) -> str:
        """Follows ``authorize_url`` (where the relying party sent the browser), signs in at the
        provider's form as ``email`` and returns the URL the provider sends the browser back to
        (the relying party's callback, with the code). ``hd``: the Google Workspace domain the
        provider asserts (none: a personal account)."""
        assert authorize_url.startswith(self.issuer), authorize_url
        browser = requests.Session()
        page = browser.get(authorize_url, timeout=10)
        page.raise_for_status()
        action = re.search(r'action="(/interaction/[\w-]+/login)"', page.text).group(1)
        form = {"email": email}
        if verified:
            form["email_verified"] = "1"
        if mfa:
            form["mfa"] = "1"
        if hd:
            form["hd"] = hd
        response = browser.post(urljoin(self.issuer, action), data=form, allow_redirects=False,
                                timeout=10)
        location = response.headers["Location"]
        while urljoin(self.issuer, location).startswith(self.issuer):
            response = browser.get(urljoin(self.issuer, location), allow_redirects=False, timeout=10)
            location = response.headers["Location"]
        return location


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path
