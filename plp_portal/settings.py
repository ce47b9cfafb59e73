"""PLP Portal settings, read from the environment.

One module for every environment: development, demo, test and production differ only by
environment variables (see README.md, "Configuration"). Defaults are safe for development:
an SQLite file under var/, emails printed to the console, DEBUG off unless asked for.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEMO = env.bool("PLP_DEMO", default=False)
DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key-do-not-deploy")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Base of the links in emails; the demo's follows the port it serves on (PORT).
SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}").rstrip("/")

INSTALLED_APPS = [
    # Django's admin, signed in through allauth, in an audited system scope (plp_portal.adminsite).
    "plp_portal.admin_apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Core apps shared by every feature (DESIGN.md: plp_portal/).
    "plp_portal.accounts",
    "plp_portal.organisations",
    "plp_portal.audit",
    "plp_portal.notifications",
    "plp_portal.pdfs",
    "plp_portal.records",
    "plp_portal.sso",
    # Feature apps.
    "learners",
    "keyworkers",
    "guidance",
    "careersplan",
    "onboarding",
    # Third party.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "guardian",
    "django_htmx",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Outside the session-lifetime and MFA redirects, so those answers are not cached either.
    "plp_portal.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "plp_portal.accounts.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "plp_portal.middleware.QueryStringNulMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "plp_portal.organisations.middleware.OrganisationMiddleware",
    # The request's row-level security scope (after the organisation is resolved).
    "plp_portal.rls.RowSecurityMiddleware",
    "plp_portal.accounts.middleware.StaffMFAMiddleware",
    "plp_portal.audit.middleware.PermissionRefusalAuditMiddleware",
    "plp_portal.audit.middleware.RecordReadAuditMiddleware",
]

# The bench command's server: counts SQL queries per request and serves the floor view.
PLP_BENCH = env.bool("PLP_BENCH", default=False)
if PLP_BENCH:
    MIDDLEWARE.insert(0, "plp_portal.benchmiddleware.QueryCountHeaderMiddleware")

ROOT_URLCONF = "plp_portal.urls"
WSGI_APPLICATION = "plp_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plp_portal.context_processors.portal",
            ],
            "builtins": ["plp_portal.templatetags.govuk"],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL=postgres://user@host:5432/name in production and tests; an SQLite file otherwise.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'plp_portal.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Ten minutes: a connection's prepared statements (below) last as long as it does.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=600))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compilation: the pages' queries are short, and on the dashboards' aggregates over
    # a county JIT spent ~130 ms compiling to save nothing (EXPLAIN ANALYZE on seed_county data).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # Parameters bound by the server, and a statement a connection has run twice kept prepared,
    # so PostgreSQL plans it once rather than on every page: planning was 2.6 ms of the staff
    # plan page's 3.2 ms in PostgreSQL (issue 19). Behind a transaction-mode pooler without
    # prepared-statement support (PgBouncer < 1.21), set DB_PREPARE_THRESHOLD=none.
    DATABASES["default"]["OPTIONS"].setdefault(
        "server_side_binding", env.bool("DB_SERVER_SIDE_BINDING", default=True))
    _prepare_threshold = env("DB_PREPARE_THRESHOLD", default="2")
    DATABASES["default"]["OPTIONS"].setdefault(
        "prepare_threshold", None if _prepare_threshold.lower() == "none" else int(_prepare_threshold))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo: htmx autosaves and page loads overlap. WAL lets readers go on while one writes;
    # IMMEDIATE transactions take the write lock at BEGIN, so a reader never fails upgrading
    # to a writer ("database is locked"), and the busy timeout makes the next writer wait.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })
# Lets several checkouts run the suite on one PostgreSQL at once without sharing a test database.
if env("PLP_TEST_DB_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env("PLP_TEST_DB_NAME")}
# The ordinary role the application connects as (DATABASE_URL's user in production). Migrations
# run as the tables' owner (MIGRATION_DATABASE_URL, see README "Production"), and after each one
# this role is granted what it needs and no more: no TRUNCATE, no UPDATE/DELETE on append-only
# tables (the audit log), no ownership of any table or trigger (plp_portal/dbroles.py).
PLP_APP_DB_ROLE = env("PLP_APP_DB_ROLE", default="")
# Tests only: the suite connects as the owner (to create and flush its database) and each
# request's or job's transaction switches to this role (SET LOCAL ROLE), so they run under
# row-level security as the site does (plp_portal/rls.py). Empty in production.
PLP_RLS_SWITCH_ROLE = env("PLP_RLS_SWITCH_ROLE", default="")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions ------------------------------------------------------------------------
# The cache (allauth's rate limits) lives in the database so the site keeps working when Redis
# is down; Redis is only Celery's broker.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "plp_cache",
    }
}
SESSION_ENGINE = "plp_portal.accounts.sessions"
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Authentication (django-allauth, MFA, guardian) -----------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_ADAPTER = "plp_portal.accounts.adapter.AccountAdapter"
# People get accounts from their organisation (invitations, MIS imports): no open sign-up page.
PLP_OPEN_SIGNUP = env.bool("PLP_OPEN_SIGNUP", default=False)
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[PLP Portal] "
# Tell people by email when their password, email address or two-factor authentication changes
# (sent through the outbox like every other email: accounts.adapter.send_mail).
ACCOUNT_EMAIL_NOTIFICATIONS = True
# Served over HTTPS (production): secure cookies, HSTS, redirect. Off for the demo and tests.
HTTPS = env.bool("PLP_HTTPS", default=not (DEBUG or DEMO))
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Sign-in limits (issue 20). A school signs in from one address (NAT), so wrong passwords are
# limited per account ("key": 10 in 15 minutes from anywhere) and per account + address (5 in
# 5 minutes, "login_failed_account_address", see accounts.adapter); the per-address
# ceilings are sized for several classes signing in at once (PLP_SIGNIN_PER_ADDRESS sign-in
# attempts and PLP_SIGNIN_FAILURES_PER_ADDRESS wrong passwords a minute from one address).
# The client address is REMOTE_ADDR unless a trusted proxy is configured (below). The test suite
# turns the limits off only where a test signs in many times.
PLP_SIGNIN_PER_ADDRESS = env.int("PLP_SIGNIN_PER_ADDRESS", default=300)
PLP_SIGNIN_FAILURES_PER_ADDRESS = env.int("PLP_SIGNIN_FAILURES_PER_ADDRESS", default=100)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{PLP_SIGNIN_FAILURES_PER_ADDRESS}/m/ip,10/15m/key",
    # Ours (accounts.adapter): wrong passwords for one account from one address.
    "login_failed_account_address": "5/5m/key",
    "login": f"{PLP_SIGNIN_PER_ADDRESS}/m/ip",
    # Ours (plp_portal.sso.views.start): "Sign in with Microsoft or Google", the same ceiling.
    "sso_start": f"{PLP_SIGNIN_PER_ADDRESS}/m/ip",
    "reset_password": "100/m/ip,5/m/key",
    "reset_password_from_key": "100/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
# Bulk invitations (school set-up) leave the outbox at most this many a minute per organisation,
# however many batches an admin sends: mail providers throttle or flag bursts from one sender.
PLP_INVITATIONS_PER_MINUTE = env.int("PLP_INVITATIONS_PER_MINUTE", default=60)
# Where the client's address comes from. Directly exposed (the default): the connection's
# address. Behind a load balancer or reverse proxy you control, set ONE of:
#   PLP_TRUSTED_CLIENT_IP_HEADER=X-Real-IP  (a header your proxy sets, overwriting the client's)
#   PLP_TRUSTED_PROXY_COUNT=1               (how many proxies append to X-Forwarded-For)
# Otherwise every user appears to come from the proxy and shares its limits.
PLP_TRUSTED_CLIENT_IP_HEADER = env("PLP_TRUSTED_CLIENT_IP_HEADER", default="")
PLP_TRUSTED_PROXY_COUNT = env.int("PLP_TRUSTED_PROXY_COUNT", default=0)
# allauth asks the adapter (plp_portal.clientip); its own settings say the same for any other path.
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = PLP_TRUSTED_CLIENT_IP_HEADER or None
ALLAUTH_TRUSTED_PROXY_COUNT = PLP_TRUSTED_PROXY_COUNT
# Sign-in with an organisation's Microsoft Entra ID or Google Workspace (plp_portal.sso): OpenID
# Connect apps built from each organisation's settings, linking only to accounts that exist.
SOCIALACCOUNT_ADAPTER = "plp_portal.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
# The identity provider vouched for the address (checked by the adapter): no confirmation email.
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# Where each kind of identity provider lives; organisations only fill in their tenant. The tests
# point these at an OpenID Connect provider on loopback.
PLP_SSO_ISSUERS = {
    "microsoft": "https://login.microsoftonline.com/{tenant}/v2.0",
    "google": "https://accounts.google.com",
}
# The key that encrypts the identity providers' client secrets at rest (a Fernet key); when unset,
# one derived from SECRET_KEY (plp_portal.sso.crypto). Secrets under an older key still decrypt.
PLP_SSO_SECRET_KEY = env("PLP_SSO_SECRET_KEY", default="")
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "PLP Portal"
PLP_REQUIRE_STAFF_MFA = env.bool("PLP_REQUIRE_STAFF_MFA", default=not DEMO)

GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: every grant names a real person
GUARDIAN_MONKEY_PATCH_USER = False

# --- Email ----------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if (DEBUG or DEMO)
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="PLP Portal <no-reply@plp-portal.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery (Redis broker) ------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=DEMO)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Europe/London"
# Every task has a soft limit (SoftTimeLimitExceeded: the task can fail cleanly) and a hard one
# (the worker process is replaced); tasks doing longer work set their own (tests/test_architecture.py).
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
# A request must never wait on the broker: publishing fails fast instead of retrying, and the
# outbox job sends whatever could not be enqueued once Redis is back.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
    "max_retries": 0,
}
CELERY_BEAT_SCHEDULE = {
    "outbox-flush": {"task": "notifications.outbox_flush", "schedule": 60.0},
    # Reminders are computed from the database once a day (never scheduled ahead as countdown
    # tasks); idempotent, so a second beat or a re-run sends nothing twice.
    "daily-reminders": {
        "task": "notifications.daily_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    # learners: clean up the guardian permissions of expired plan shares (not a reminder: nobody
    # is notified, and access already stops at expiry, so hourly is plenty).
    "learners-plan-shares-expire": {"task": "learners.plan_shares_expire", "schedule": crontab(minute=17)},
    # PDFs whose render could not be published (Redis down) are rendered a minute later;
    # superseded renders are cleaned up.
    "pdf-renders-pending": {"task": "pdfs.renders_pending", "schedule": 60.0},
    # Subject access exports whose publish failed are built a minute later; expired copies deleted.
    "records-sars-pending": {"task": "records.sars_pending", "schedule": 60.0},
    # Records past their retention date are erased once a day (idempotent, set-based; README).
    "records-retention-daily": {"task": "records.retention_daily", "schedule": crontab(hour=2, minute=40)},
    # The careers service dashboard's per-school figures (guidance/figures.py): the schools a
    # write marked stale a minute later; every school nightly.
    "guidance-figures-stale": {"task": "guidance.figures_refresh_stale", "schedule": 60.0},
    "guidance-figures-daily": {"task": "guidance.figures_refresh_daily", "schedule": crontab(hour=3, minute=10)},
    # School set-up work (key workers, year rollover) whose publish failed runs a little later.
    "onboarding-setup-jobs-resume": {"task": "onboarding.setup_jobs_resume", "schedule": 60.0},
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"

# --- Static files and uploads ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Uploads live outside the static root and are only served through permission-checking
        # views; there is no MEDIA_URL route.
        "OPTIONS": {"location": env("MEDIA_ROOT", default=str(VAR_DIR / "uploads"))},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or DEMO) and env.bool("PLP_MANIFEST_STATIC", default=True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
MEDIA_ROOT = STORAGES["default"]["OPTIONS"]["location"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PLP_UPLOAD_MAX_BYTES = env.int("PLP_UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
WHITENOISE_USE_FINDERS = DEBUG or DEMO

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
