"""Django settings, read from the environment with defaults that run a fresh clone.

Defaults: SQLite in var/, a secret generated once into var/secret_key, DEBUG off.
Set GUICHET_PRODUCTION=1 to refuse to start without an explicit SECRET_KEY.
"""

from __future__ import annotations

import secrets
import sys
from importlib.util import find_spec
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from guichet.lib.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("GUICHET_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules or env_bool("GUICHET_TESTING")
PRODUCTION = env_bool("GUICHET_PRODUCTION")
DEBUG = env_bool("DEBUG")


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("GUICHET_PRODUCTION is set: SECRET_KEY must be given")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] + (["testserver"] if TESTING else [])
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# The public address of the site, which every link in an email starts with (letters, sign-in
# links, surveys). Set it in production (`guichet check --deploy` warns when it is not);
# without it, `guichet up` gives its processes the address it serves on (--host, --port).
GUICHET_SITE_URL_SET = bool(env_str("SITE_URL").strip())
SITE_URL = (env_str("SITE_URL").strip() or "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "guichet.apps.AdminConfig",  # Django's admin, loaded when served (guichet/apps.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "guichet.accounts",
    "guichet.brands",
    "guichet.policies",
    "guichet.contacts",
    "guichet.marketplace",
    "guichet.tickets",
    "guichet.sla",
    "guichet.notify",
    "guichet.telephony",
    "guichet.conduct",
    "guichet.reports",
    "guichet.equality",
    "guichet.intake",
    "guichet.channels",
    "guichet.chat",
    "guichet.knowledge",
    "guichet.api",
    "guichet.ops",
    "guichet.demo",
    "guichet.search",
    "guichet.desk",
    "guichet.portal",
    "guichet.sellerportal",
]

MIDDLEWARE = [
    # First: a NUL character (PostgreSQL refuses text holding one) in the path, headers or
    # cookies is refused before anything reads them, the session's cookie included
    # (guichet.lib.inputs).
    "guichet.lib.inputs.NulMiddleware",
    *(["guichet.lib.proxy.ForwardedForMiddleware"] if env_bool("BEHIND_PROXY") else []),
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "guichet.accounts.middleware.BrandScopeMiddleware",
    "guichet.desk.middleware.ViewerTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its answer.
    "axes.middleware.AxesMiddleware",
]

# --- Sign-in (staff) ------------------------------------------------------------------------------
# django-axes counts failed sign-ins and locks out; django-otp adds the TOTP second factor.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The flow and the rule for every staff page: guichet/accounts/views.py and access.py.
LOGIN_URL = "account:login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "account:login"
# Failures counted per username *and* IP address, so nobody can lock a colleague out from
# elsewhere; wrong codes of the second factor count too. The lockout lasts from the last
# counted failure; tries made while locked out are refused without being counted.
AXES_FAILURE_LIMIT = env_int("GUICHET_SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("GUICHET_SIGNIN_LOCKOUT_MINUTES", 15) / 60  # hours, as axes reads it
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "guichet.accounts.views.locked_out"
# Days sign-in records (addresses, browsers) are kept before the worker deletes them.
GUICHET_SIGNIN_LOG_DAYS = env_int("GUICHET_SIGNIN_LOG_DAYS", 90)
# The client's address is REMOTE_ADDR: behind a reverse proxy (BEHIND_PROXY), taken from
# X-Forwarded-For only on requests from these proxies (guichet.lib.proxy).
GUICHET_TRUSTED_PROXIES = env_list("GUICHET_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
# A second factor (TOTP) is optional for staff and required for administrators.
OTP_TOTP_ISSUER = "Guichet"
OTP_TOTP_THROTTLE_FACTOR = 1  # after n wrong codes in a row, wait 2^(n-1) seconds
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the admin never shows an authenticator's secret
# A session lasts a working day (12 hours) from the last time it was saved.
SESSION_COOKIE_AGE = env_int("GUICHET_SESSION_HOURS", 12) * 3600

# django-ninja's templates and static files serve /api/v1/docs from this server, not from a
# CDN that the content security policy refuses (and an offline installation cannot reach).
# Found where ninja is installed without importing it: as an installed app, ninja (and
# pydantic with it) was imported by every process, `guichet ingest-eml` included.
_ninja = find_spec("ninja")
if _ninja is None or _ninja.origin is None:
    raise ImproperlyConfigured("django-ninja is not installed")
NINJA_DIR = Path(_ninja.origin).parent

ROOT_URLCONF = "guichet.urls"
WSGI_APPLICATION = "guichet.wsgi.application"
ASGI_APPLICATION = "guichet.asgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates", NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite (embedded default) runs in WAL mode with IMMEDIATE transactions, so concurrent
# writers queue on the lock instead of failing half-way through a transaction.
# DATABASE_URL=postgres://… selects PostgreSQL; sqlite:////path/file.sqlite3 another SQLite file.
_database_url = env_str("DATABASE_URL")
# On PostgreSQL each process keeps a pool of connections (psycopg_pool), shared by its
# threads (gunicorn's gthread workers, the worker's tasks): a request takes one for its
# duration instead of opening one (10-15 ms) or keeping one per thread. GUICHET_DB_POOL_SIZE=0 turns the pool off (persistent
# connections kept 60 s instead, e.g. behind PgBouncer in transaction mode).
DB_POOL_SIZE = env_int("GUICHET_DB_POOL_SIZE", 8)
# The websocket server (guichet/asgi.py sets it) keeps one connection: Channels runs its
# handlers on one thread, and taking a pooled connection (checked with a round trip) or
# opening one for each handler was most of its time (docs/chat.md, "Measured").
KEEP_DB_CONNECTION = env_bool("GUICHET_KEEP_DB_CONNECTION")
if _database_url and not _database_url.startswith("sqlite:"):
    if KEEP_DB_CONNECTION:
        DB_POOL_SIZE = 0
    DATABASES = {
        "default": dj_database_url.parse(
            _database_url,
            conn_max_age=None if KEEP_DB_CONNECTION else 0 if DB_POOL_SIZE else 60,
            conn_health_checks=KEEP_DB_CONNECTION,
        )
    }
    # Off by default: parameters sent apart from the statement (server-side binding), so a
    # statement run again is the same text and psycopg prepares it on its 5th run on a
    # connection; the server then plans it once. API creations go from 72 to 90 a second,
    # but the kept ("generic") plans make the desk's breached and escalated lists miss
    # their 100 ms at 1,000,000 tickets (docs/architecture.md, "Database connections").
    if env_bool("GUICHET_DB_PREPARED_STATEMENTS", False):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
    if DB_POOL_SIZE:
        from psycopg_pool import ConnectionPool

        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": DB_POOL_SIZE,
            "timeout": 30,
            # A connection is checked when taken from the pool (one round trip): after a
            # database restart, idle pooled connections are dead and must not be handed out.
            "check": ConnectionPool.check_connection,
        }
else:
    SQLITE_PATH = (
        Path(dj_database_url.parse(_database_url)["NAME"])
        if _database_url
        else VAR_DIR / "guichet.sqlite3"
    )
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
                ),
            },
            # The websocket server keeps its connection (KEEP_DB_CONNECTION above); elsewhere
            # one per request as before.
            "CONN_MAX_AGE": None if KEEP_DB_CONNECTION else 0,
            "CONN_HEALTH_CHECKS": KEEP_DB_CONNECTION,
            # A file, not :memory:, so tests that open several connections (threads,
            # worker processes) share one database.
            "TEST": {
                "NAME": str(VAR_DIR / f"test-{env_str('PYTEST_XDIST_WORKER', 'main')}.sqlite3")
            },
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Tasks ------------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("GUICHET_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "periodic"],
    }
}
WORKER_HEARTBEAT_SECONDS = env_int("GUICHET_WORKER_HEARTBEAT_SECONDS", 10)
WORKER_STALE_SECONDS = env_int("GUICHET_WORKER_STALE_SECONDS", 60)

# --- Cache --------------------------------------------------------------------------------
_redis_url = env_str("REDIS_URL")
if _redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis_url,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Live chat (docs/chat.md) ----------------------------------------------------------------
# The websockets' public address (wss://support.example.com) when a proxy routes /chat/ws/
# to the ASGI server; empty: the site's own address (`guichet up` sets the port it uses).
GUICHET_CHAT_URL = env_str("GUICHET_CHAT_URL").strip().rstrip("/")
# The channel layer carries "this chat changed" between processes: Redis when several web
# servers run, else in memory (one websocket process).
if _redis_url:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [_redis_url], "prefix": env_str("GUICHET_CHAT_PREFIX", "guichet")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Rate limits of the widget (count, seconds), per visitor and per address.
GUICHET_CHAT_RATE_LIMITS = {
    "chat_connect_address": (env_int("GUICHET_CHAT_CONNECTIONS_PER_MINUTE", 60), 60),
    "chat_start_visitor": (5, 3600),
    "chat_start_address": (env_int("GUICHET_CHAT_STARTS_PER_HOUR", 30), 3600),
    "chat_message_visitor": (30, 60),
    "chat_message_address": (env_int("GUICHET_CHAT_MESSAGES_PER_MINUTE", 300), 60),
    "chat_typing_visitor": (40, 60),
}
# The largest websocket message a visitor may send (bytes): a message of 4,000 characters
# and its envelope.
GUICHET_CHAT_MAX_FRAME = 32 * 1024

# --- Auth -----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [NINJA_DIR / "static"]
MEDIA_ROOT = Path(env_str("GUICHET_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}
# No upload is ever read into memory beyond this; larger ones spill to a temporary file.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 55 * 1024 * 1024  # a raw email of up to 50 MB through the API

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
# The chat's websockets (docs/chat.md): on the site's own address, or where
# GUICHET_CHAT_URL says (another port, another host), which the portal's chat must reach.
_chat_socket = urlsplit(GUICHET_CHAT_URL or SITE_URL)
_chat_scheme = {"http": "ws", "https": "wss"}.get(_chat_socket.scheme, _chat_socket.scheme)
_chat_socket_origin = f"{_chat_scheme}://{_chat_socket.netloc}"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "connect-src": [CSP.SELF, _chat_socket_origin],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO"),
    },
    "loggers": {
        # Every task's start and end (the periodic jobs run every few seconds) would bury
        # the rest; a failed task is logged as an error whatever this says.
        "django.tasks": {"level": env_str("TASK_LOG_LEVEL", "WARNING")},
        "axes": {"level": "WARNING"},  # one "BEGIN version" line per process started
        # WeasyPrint's step-by-step progress of every PDF made (the periodic review).
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# --- Email ----------------------------------------------------------------------------------------
# Without EMAIL_HOST, outgoing email is written to var/outbox/, one .eml file per message named
# by time and recipient (guichet.lib.mailfiles); nothing leaves the machine.
_email_host = env_str("EMAIL_HOST")
if _email_host:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 25),
                "username": env_str("EMAIL_HOST_USER") or None,
                "password": env_str("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS"),
                "use_ssl": env_bool("EMAIL_USE_SSL"),
                "timeout": env_int("EMAIL_TIMEOUT", 30),
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "guichet.lib.mailfiles.EmlBackend",
            "OPTIONS": {"directory": str(VAR_DIR / "outbox")},
        }
    }
# The desk's development mail viewer (/desk/dev/mail/, administrators only) lists those files.
# On with DEBUG or GUICHET_DEV_MAIL_VIEWER=1 (`guichet up` sets it for the server it starts);
# never when email goes out by SMTP (EMAIL_HOST) or with GUICHET_PRODUCTION.
GUICHET_DEV_MAIL_VIEWER = (
    env_bool("GUICHET_DEV_MAIL_VIEWER", DEBUG) and not _email_host and not PRODUCTION
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "guichet@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The right-hand side of the Message-IDs of outgoing email: stable, so replies thread.
GUICHET_EMAIL_DOMAIN = env_str(
    "GUICHET_EMAIL_DOMAIN", urlsplit(SITE_URL).hostname or "guichet.localhost"
)

# --- Guichet ------------------------------------------------------------------------------------
# The largest raw email taken whole (SMTP refuses more with 552, the upload with 413; from
# IMAP only its beginning is kept, with a note). Attachment limits are per brand (policy).
GUICHET_INBOUND_MAX_BYTES = env_int("GUICHET_INBOUND_MAX_BYTES", 50 * 1024 * 1024)
GUICHET_PRESETS_DIR = PACKAGE_DIR / "policies" / "presets"
GUICHET_DEMO_PASSWORD = env_str("GUICHET_DEMO_PASSWORD", "guichet-demo")

# --- REST API (docs/api.md) ------------------------------------------------------------------
# Calls with a wrong API key from one address: past this many in a window of these many
# seconds, they get 429 (with Retry-After) instead of 401 until the window ends.
GUICHET_API_AUTH_FAILURE_LIMIT = env_int("GUICHET_API_AUTH_FAILURE_LIMIT", 20)
GUICHET_API_AUTH_FAILURE_WINDOW = env_int("GUICHET_API_AUTH_FAILURE_WINDOW", 300)
# Webhook deliveries (with their attempts) are deleted this many days after they were
# made, once delivered or failed (guichet.api.retention, run by the worker every hour).
GUICHET_WEBHOOK_DELIVERY_DAYS = env_int("GUICHET_WEBHOOK_DELIVERY_DAYS", 30)

# --- Customer portal (docs/portal.md) --------------------------------------------------------
# A sign-in link works once, within these minutes; a customer's session lasts these hours.
GUICHET_PORTAL_LINK_MINUTES = env_int("GUICHET_PORTAL_LINK_MINUTES", 10)
GUICHET_PORTAL_SESSION_HOURS = env_int("GUICHET_PORTAL_SESSION_HOURS", 8)
# The seller portal (docs/marketplace.md): a person's sign-in link, the link in the email
# that asks a seller about a dispute (it must outlive the seller's deadline), a session.
GUICHET_SELLER_LINK_MINUTES = env_int("GUICHET_SELLER_LINK_MINUTES", 15)
GUICHET_SELLER_EMAIL_LINK_HOURS = env_int("GUICHET_SELLER_EMAIL_LINK_HOURS", 72)
GUICHET_SELLER_SESSION_HOURS = env_int("GUICHET_SELLER_SESSION_HOURS", 8)
# Rate limits of the public pages: (how many, per how many seconds), counted in the cache
# (set REDIS_URL when several processes serve the site).
GUICHET_PORTAL_RATE_LIMITS = {
    "contact_ip": (10, 3600),  # contact-form posts from one address
    "contact_email": (3, 3600),  # requests opened for one email address
    "track_ip": (10, 3600),  # tracking-page posts from one address
    "track_email": (3, 3600),  # sign-in links asked for one email address
    "track_reference": (5, 3600),  # tries on one reference
    "signin_ip": (20, 3600),  # sign-in link pages opened from one address
    "seller_ip": (10, 3600),  # seller portal: sign-in posts from one address
    "seller_email": (3, 3600),  # seller portal: sign-in links asked for one email address
    "chat_upload_visitor": (20, 3600),  # chat widget: files sent by one visitor
    "chat_upload_address": (60, 3600),  # chat widget: files sent from one address
}
# An address that never signed in through a link gets at most this many automatic
# acknowledgements of web-form requests per day (nobody can aim a storm at a stranger).
GUICHET_PORTAL_UNCONFIRMED_ACKS_PER_DAY = env_int("GUICHET_PORTAL_UNCONFIRMED_ACKS_PER_DAY", 1)

# --- Help centre: FAQ candidates (docs/help-centre.md) ----------------------------------------
# The nightly grouping of the tickets' questions: the period read (the trend compares with
# the one before), the fewest tickets a candidate has, the cosine from which a published
# article answers a group (then no candidate).
GUICHET_FAQ_DAYS = env_int("GUICHET_FAQ_DAYS", 30)
GUICHET_FAQ_MIN_SIZE = env_int("GUICHET_FAQ_MIN_SIZE", 5)
GUICHET_FAQ_ANSWERED = float(env_str("GUICHET_FAQ_ANSWERED", "0.3"))
