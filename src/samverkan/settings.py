"""Django settings for Samverkan.

Everything that differs between a laptop demo and a production installation is read
from environment variables (see ``docs/CONFIGURATION.md``). The defaults give a
safe, self-contained installation on SQLite under ``./var``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SAMVERKAN_VAR_DIR", Path.cwd() / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "ja"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("SAMVERKAN_DEBUG", False)
SECRET_KEY = os.environ.get("SAMVERKAN_SECRET_KEY", "")
if not SECRET_KEY:
    if not env_bool("SAMVERKAN_INSECURE_DEV_KEY", True):
        raise RuntimeError("SAMVERKAN_SECRET_KEY must be set")
    # Development and demo only: production sets SAMVERKAN_SECRET_KEY and
    # SAMVERKAN_INSECURE_DEV_KEY=false (enforced by ``manage.py check --deploy``).
    SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20

ALLOWED_HOSTS = env_list("SAMVERKAN_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("SAMVERKAN_CSRF_TRUSTED_ORIGINS", [])

# Demo mode relaxes mandatory two-factor sign-in behind a visible banner.
DEMO_MODE = env_bool("SAMVERKAN_DEMO", False)
REQUIRE_2FA = env_bool("SAMVERKAN_REQUIRE_2FA", not DEMO_MODE)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "samverkan.core",
    "samverkan.organisations",
    "samverkan.accounts",
    "samverkan.audit",
    "samverkan.cases",
    "samverkan.jobs",
    "samverkan.surveys",
    "samverkan.ros",
    "samverkan.matching",
    "samverkan.collaboration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "samverkan.accounts.middleware.RequireTwoFactorMiddleware",
    "samverkan.core.middleware.ActiveOrganisationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "samverkan.urls"
WSGI_APPLICATION = "samverkan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "samverkan.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite under ./var by default; DATABASE_URL (postgres://…) switches to PostgreSQL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'samverkan.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_sqlite),
        conn_max_age=env_int("SAMVERKAN_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"].setdefault("TEST", {"NAME": os.environ.get("SAMVERKAN_TEST_SQLITE")})
    # The covering columns of the risk list's index exist on PostgreSQL only; SQLite keeps
    # the index without them, which is all its sizes need.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Just-in-time compilation costs more than it saves on the short, indexed queries
    # of this application (measured in benchmarks/ros_scale.py).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_int("SAMVERKAN_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = env_int("SAMVERKAN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failures from one IP address over all user names (password spraying) before the address is
# locked out for the same time; 0 switches this off. See accounts/lockout.py.
LOCKOUT_IP_FAILURES = env_int("SAMVERKAN_LOCKOUT_IP_FAILURES", 20)
AXES_HANDLER = "samverkan.accounts.lockout.LockoutHandler"
AXES_LOCKOUT_CALLABLE = "samverkan.accounts.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]

# Sessions expire after a period of inactivity.
SESSION_COOKIE_AGE = env_int("SAMVERKAN_SESSION_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Optional OpenID Connect sign-in against a municipal identity provider.
OIDC_ENABLED = bool(os.environ.get("OIDC_RP_CLIENT_ID"))
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("samverkan.accounts.oidc.SamverkanOIDCBackend")
    OIDC_RP_CLIENT_ID = os.environ["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
    OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
    OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
    OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
    OIDC_CREATE_USER = False
# Whether a sign-in through the identity provider counts as two-factor sign-in.
OIDC_SATISFIES_2FA = env_bool("OIDC_SATISFIES_2FA", False)

OTP_TOTP_ISSUER = os.environ.get("SAMVERKAN_TOTP_ISSUER", "Samverkan")
# Second-factor secrets are never shown in the admin (accounts/admin.py also replaces the
# device admins with view-and-delete ones).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Personal API tokens: days until a new token expires.
API_TOKEN_DAYS = env_int("SAMVERKAN_API_TOKEN_DAYS", 90)

# --- Security headers ---------------------------------------------------------
TLS = env_bool("SAMVERKAN_TLS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "samverkan.core.views.csrf_failure"
if TLS:
    SECURE_SSL_REDIRECT = env_bool("SAMVERKAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SAMVERKAN_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Uploaded files (decision documents) under ./var; never served directly, only through
# views that check who may read them.
MEDIA_ROOT = VAR_DIR / "media"

# --- REST API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The token class first: its WWW-Authenticate header makes refusals a 401.
        "samverkan.accounts.api_auth.ApiTokenAuthentication",
        "samverkan.accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["samverkan.accounts.api_auth.IsMember"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "samverkan.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "samverkan.core.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Largest JSON body the API reads (its documents are small).
API_MAX_BODY_KB = env_int("SAMVERKAN_API_MAX_BODY_KB", 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Samverkan API",
    "DESCRIPTION": "REST API for Samverkan mot brott. Every endpoint is scoped to the "
    "organisations of the signed-in user and what has been shared with them.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "samverkan.core.openapi.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "samverkan.cases.models.STATUS_CHOICES",
        "MatchStatusEnum": "samverkan.matching.models.STATUS_CHOICES",
    },
}

# --- Background jobs ----------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- E-mail ---------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "SAMVERKAN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = os.environ.get("SAMVERKAN_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("SAMVERKAN_EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("SAMVERKAN_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SAMVERKAN_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("SAMVERKAN_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("SAMVERKAN_FROM_EMAIL", "samverkan@localhost")

# --- Uploads --------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("SAMVERKAN_MAX_UPLOAD_MB", 20) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# Table imports (register extracts, survey invitees): the largest file accepted, and how long
# a previewed file waits for confirmation before it is deleted.
IMPORT_MAX_UPLOAD_MB = env_int("SAMVERKAN_IMPORT_MAX_MB", 20)
IMPORT_PREVIEW_HOURS = env_int("SAMVERKAN_IMPORT_PREVIEW_HOURS", 24)

# --- Logging --------------------------------------------------------------------
# Respondent pages (/enkat/...) are never logged: their paths carry the survey token, and
# the time of a request could tie answers to a person (surveys/logfilter.py). The filter
# sits on the loggers that record requests and on every handler.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "samverkan.core.logging.RedactIdentityNumbers"},
        "respondents": {"()": "samverkan.surveys.logfilter.DropRespondentRequests"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["respondents", "redact"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["respondents", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("SAMVERKAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django.server": {
            "handlers": ["django.server"],
            "level": "INFO",
            "propagate": False,
            "filters": ["respondents"],
        },
        "django.request": {"filters": ["respondents"]},
    },
}

# --- Samverkan ------------------------------------------------------------------
# Audit: how long a purpose given for a sensitive look-up is remembered in the session.
AUDIT_PURPOSE_MINUTES = env_int("SAMVERKAN_PURPOSE_MINUTES", 15)
# Surveys: submitted answers wait, encrypted, until this many (never fewer than the wave's
# smallest group shown) can be written together in random order.
SURVEY_RESPONSE_BATCH = env_int("SAMVERKAN_SURVEY_RESPONSE_BATCH", 10)
# Surveys: a published group where fewer than this many gave (or did not give) an answer
# shows "färre än t" instead of a share, so that no "0 %" or "100 %" reveals members' answers.
SURVEYS_FEW_THRESHOLD = env_int("SAMVERKAN_SURVEYS_FEW_THRESHOLD", 3)

# ROS map: a tile server URL template such as https://tiles.example/{z}/{x}/{y}.png; empty
# means no background tiles (the map then shows premises on a plain background).
ROS_MAP_TILE_URL = os.environ.get("SAMVERKAN_MAP_TILE_URL", "")
ROS_MAP_ATTRIBUTION = os.environ.get("SAMVERKAN_MAP_ATTRIBUTION", "")
if ROS_MAP_TILE_URL:
    from urllib.parse import urlsplit

    _tiles = urlsplit(ROS_MAP_TILE_URL.replace("{s}", "subdomain"))
    _host = _tiles.netloc.replace("subdomain.", "*.")
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tiles.scheme}://{_host}")

# Matching: days an uploaded dataset's encodings are kept before they are deleted (the
# dataset's description and the matches found stay); largest encoded file accepted; worker
# threads for comparing encodings (0: all cores).
MATCHING_ENCODING_DAYS = env_int("SAMVERKAN_MATCH_ENCODING_DAYS", 30)
MATCHING_MAX_UPLOAD_MB = env_int("SAMVERKAN_MATCH_MAX_UPLOAD_MB", 200)
# ... and the most a gzip-packed encoded file may hold unpacked.
MATCHING_MAX_UNPACKED_MB = env_int("SAMVERKAN_MATCH_MAX_UNPACKED_MB", 400)
MATCHING_WORKERS = env_int("SAMVERKAN_MATCH_WORKERS", 0)
