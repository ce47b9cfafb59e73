import pytest

from tests.oidc import OIDCProvider


@pytest.fixture(scope="session")
def oidc_provider():
    """The OpenID Connect provider on loopback, one per test session (per xdist worker)."""
    provider = OIDCProvider()
    yield provider
    provider.stop()


@pytest.fixture
def idp_settings(settings, oidc_provider):
    """Both kinds of identity provider point at the loopback provider."""
    settings.PLP_SSO_ISSUERS = {"microsoft": oidc_provider.issuer, "google": oidc_provider.issuer}
    return settings
