"""Who is looking: roles, the data scope they get, login, session timeout and failed-login throttling.

Interface used by app.py and pages (keep it stable):
    User(name, role, county) with .scope(unmask_requested) -> huxin.data.Scope, .can_unmask, .role_label
    current_user() -> User            # shows the login form / demo role switcher and st.stop()s when needed
    pages_for(role) -> set[str]       # page keys a role may open

Accounts live in ``<app dir>/accounts.toml`` (huxin.audit.app_dir(); written only by ``python -m etl user …``):
bcrypt hashes, never passwords. With an ``[auth]`` section in ``.streamlit/secrets.toml`` users may also sign in
through the office's identity provider (st.login, OIDC); the accounts file still decides their role and county, so
an identity the office has not registered gets nothing. Demo mode (demo data loaded and no accounts configured)
needs no login and offers a role switcher. See docs/auth.md.

The pure parts (accounts, hashing, throttle, verify_login, sso_user) take no Streamlit and are unit-tested.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import re
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from huxin.audit import app_dir, audit

ROLES: dict[str, str] = {
    "city_admin": "市级管理员",
    "city_analyst": "市级分析员",
    "county_user": "县区用户",
    "screen": "只读大屏",
}
ROLE_BY_LABEL: dict[str, str] = {v: k for k, v in ROLES.items()}
ALL_PAGES = {"home", "weekly", "ranking", "drill", "map", "clearing", "quality"}
ROLE_PAGES: dict[str, set[str]] = {
    "city_admin": ALL_PAGES,
    "city_analyst": ALL_PAGES,
    # 导入情况 lists rejected ledger rows of every county (load_issues has no county column), so a county user does
    # not get it: they see their own county's records and only the city-wide aggregates (ranking, totals).
    "county_user": ALL_PAGES - {"quality"},
    "screen": {"weekly", "map"},
}

DEFAULT_TIMEOUT_MINUTES = 30
BCRYPT_ROUNDS = 12
MIN_PASSWORD_LEN = 8
MAX_PASSWORD_BYTES = 72          # bcrypt ignores/refuses anything longer; we refuse it up front
THROTTLE_FREE_FAILURES = 3       # failures in a row before delays start
THROTTLE_MAX_DELAY = 60          # seconds
THROTTLE_FORGET_AFTER = 3600     # a failure streak older than this (seconds) is forgotten

# Session-state keys (the demo keys are set by tests/conftest.py's app_test fixture: keep them)
DEMO_ROLE_KEY = "demo_role"
DEMO_COUNTY_KEY = "demo_county"
SESSION_KEY = "auth_user"
LAST_ACTIVE_KEY = "auth_last_active"
NOTICE_KEY = "auth_notice"
DEMO_NOTICE = "演示模式：无需登录，可切换角色"


# ---------------------------------------------------------------------------------------------
# Roles and users
@dataclass(frozen=True)
class User:
    name: str
    role: str
    county: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    @property
    def can_unmask(self) -> bool:
        return self.role == "city_admin"

    def scope(self, unmask_requested: bool = False):  # -> huxin.data.Scope
        """The data scope: a county user reads only their county (an unknown/missing county reads nothing);
        personal data stays masked unless the role may unmask and the user asked to."""
        from huxin.data import Scope

        if self.role == "county_user":
            counties: tuple[str, ...] | None = (self.county,) if self.county else ()
        elif self.role in ROLES:
            counties = None
        else:  # an unknown role reads nothing rather than everything
            counties = ()
        label = self.role_label
        if self.role == "county_user":
            label += f"（{_county_name(self.county) if self.county else '未指定县区'}）"
        return Scope(counties=counties, unmask=bool(unmask_requested and self.can_unmask), label=label)


def _county_name(code: str) -> str:
    """「杞县 410221」 when the database knows the code, else the code (labels stamp exports)."""
    import duckdb

    from huxin import data

    if not data.current_db().exists():  # no database yet (CLI, unit tests): the code alone is a correct label
        return code
    try:
        df = data.regions()
    except (duckdb.Error, OSError):
        return code
    names = df.loc[df["code"] == code, "name"].tolist()
    return f"{names[0]} {code}" if names else code


def pages_for(role: str) -> set[str]:
    return set(ROLE_PAGES.get(role, set()))


def role_key(value: str) -> str:
    """'county_user' or '县区用户' -> 'county_user'; ValueError (Chinese) otherwise."""
    v = (value or "").strip()
    if v in ROLES:
        return v
    if v in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[v]
    choices = "、".join(f"{k}（{label}）" for k, label in ROLES.items())
    raise ValueError(f"未知角色：{value!r}；可选 {choices}")


# ---------------------------------------------------------------------------------------------
# Passwords
def check_password_rules(password: str) -> str | None:
    """None if acceptable, else the Chinese reason."""
    if len(password) < MIN_PASSWORD_LEN:
        return f"密码至少 {MIN_PASSWORD_LEN} 个字符"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"密码过长（最多 {MAX_PASSWORD_BYTES} 字节，约 24 个汉字）"
    if password.strip() != password:
        return "密码首尾不能有空格"
    return None


def hash_password(password: str, rounds: int = BCRYPT_ROUNDS) -> str:
    import bcrypt

    why = check_password_rules(password)
    if why:
        raise ValueError(why)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, hashed: str) -> bool:
    import bcrypt

    pw = (password or "").encode("utf-8")
    if not hashed or len(pw) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(pw, hashed.encode("ascii"))
    except ValueError:  # a malformed hash in the file refuses, it does not crash the login page
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked for unknown user names so that they take as long as wrong passwords (no user enumeration)."""
    import bcrypt

    return bcrypt.hashpw(b"no such user", bcrypt.gensalt(BCRYPT_ROUNDS)).decode("ascii")


# ---------------------------------------------------------------------------------------------
# Accounts file
@dataclass(frozen=True)
class Account:
    name: str
    role: str
    county: str | None = None
    password_hash: str = ""       # empty for single-sign-on-only accounts
    sso: bool = False             # may sign in through the identity provider (name = e-mail / login of the IdP)
    created: str = ""

    def user(self) -> User:
        return User(self.name, self.role, self.county)


@dataclass
class Accounts:
    users: dict[str, Account] = field(default_factory=dict)
    timeout_minutes: float = DEFAULT_TIMEOUT_MINUTES
    oidc_provider: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def find(self, name: str) -> Account | None:
        """Exact name first, then case-insensitively (e-mail addresses from an identity provider vary in case)."""
        name = (name or "").strip()
        if name in self.users:
            return self.users[name]
        low = name.casefold()
        hits = [a for k, a in self.users.items() if k.casefold() == low]
        return hits[0] if len(hits) == 1 else None


def accounts_path() -> Path:
    return app_dir() / "accounts.toml"


class AccountsError(ValueError):
    """The accounts file is malformed; the message is Chinese and names the file."""


def load_accounts(path: Path | None = None) -> Accounts:
    """Read the accounts file; a missing file means no accounts. A malformed file raises AccountsError —
    the app must not fall back to demo mode (no login) because an administrator broke the file."""
    path = path or accounts_path()
    if not path.exists():
        return Accounts()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise AccountsError(f"账户文件 {path} 无法读取：{e}") from None
    settings = raw.get("settings", {}) or {}
    try:
        timeout = float(settings.get("session_timeout_minutes", DEFAULT_TIMEOUT_MINUTES))
    except (TypeError, ValueError):
        raise AccountsError(f"账户文件 {path}：settings.session_timeout_minutes 应为分钟数") from None
    users: dict[str, Account] = {}
    for name, u in (raw.get("users", {}) or {}).items():
        if not isinstance(u, dict):
            raise AccountsError(f"账户文件 {path}：users.{name} 格式不对")
        role = str(u.get("role", ""))
        if role not in ROLES:
            raise AccountsError(f"账户文件 {path}：用户 {name} 的角色 {role!r} 无效")
        users[name] = Account(name=name, role=role, county=u.get("county") or None,
                              password_hash=str(u.get("password_hash", "")), sso=bool(u.get("sso", False)),
                              created=str(u.get("created", "")))
    return Accounts(users=users, timeout_minutes=timeout, oidc_provider=settings.get("oidc_provider") or None,
                    settings=dict(settings))


def _toml_str(s: str) -> str:
    # A JSON string is a valid TOML basic string (same escapes, \uXXXX for control characters).
    return json.dumps(str(s), ensure_ascii=False)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    return _toml_str(v)


def dump_accounts(acc: Accounts) -> str:
    lines = ["# 护薪调度台 本地账户：由 `python -m etl user …` 维护（密码只以 bcrypt 哈希保存）。",
             "# Local accounts of the dashboard, maintained by `python -m etl user …` (bcrypt hashes only).", "",
             "[settings]"]
    minutes = int(acc.timeout_minutes) if float(acc.timeout_minutes).is_integer() else acc.timeout_minutes
    settings = {"session_timeout_minutes": minutes, **{k: v for k, v in acc.settings.items()
                                                                   if k != "session_timeout_minutes"}}
    if acc.oidc_provider:
        settings["oidc_provider"] = acc.oidc_provider
    lines += [f"{k} = {_toml_value(v)}" for k, v in settings.items() if isinstance(v, str | int | float | bool)]
    for a in sorted(acc.users.values(), key=lambda a: a.name):
        lines += ["", f"[users.{_toml_str(a.name)}]", f"role = {_toml_str(a.role)}"]
        if a.county:
            lines.append(f"county = {_toml_str(a.county)}")
        if a.password_hash:
            lines.append(f"password_hash = {_toml_str(a.password_hash)}")
        if a.sso:
            lines.append("sso = true")
        if a.created:
            lines.append(f"created = {_toml_str(a.created)}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock shared by all processes on this machine (the app's workers and the CLI)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


@contextlib.contextmanager
def edit_accounts(path: Path | None = None) -> Iterator[Accounts]:
    """Read-modify-write of the accounts file under a lock; written atomically (temp file + rename), mode 0600."""
    path = path or accounts_path()
    with _file_lock(path.with_name(path.name + ".lock")):
        acc = load_accounts(path)
        yield acc
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump_accounts(acc))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


_NAME_RE = re.compile(r"^[^\x00-\x1f\x7f\"\\]{1,64}$")


def validate_name(name: str) -> str:
    n = (name or "").strip()
    if not _NAME_RE.match(n):
        raise ValueError("用户名须为 1–64 个字符，不含引号、反斜杠或控制字符")
    return n


def make_account(name: str, role: str, county: str | None, password: str | None, sso: bool = False,
                 rounds: int = BCRYPT_ROUNDS) -> Account:
    name = validate_name(name)
    role = role_key(role)
    if role == "county_user" and not county:
        raise ValueError("县区用户必须指定 --county（6 位区划代码）")
    if role != "county_user":
        county = None
    if not password and not sso:
        raise ValueError("本地账户必须设置密码（或用 --sso 仅允许统一身份认证登录）")
    return Account(name=name, role=role, county=county,
                   password_hash=hash_password(password, rounds) if password else "", sso=sso,
                   created=dt.datetime.now().isoformat(timespec="seconds"))


# ---------------------------------------------------------------------------------------------
# Failed-login throttle: per user name, in a file so every app process sees the same counters
def throttle_path() -> Path:
    return app_dir() / "login_failures.json"


def failure_delay(failures: int) -> float:
    """Seconds a user must wait after `failures` failures in a row: none for the first few, then 1, 2, 4 … 60."""
    if failures < THROTTLE_FREE_FAILURES:
        return 0.0
    return float(min(2 ** (failures - THROTTLE_FREE_FAILURES), THROTTLE_MAX_DELAY))


def _throttle_key(name: str) -> str:
    return (name or "").strip().casefold()[:128]


@contextlib.contextmanager
def _throttle_state() -> Iterator[dict[str, dict[str, float]]]:
    path = throttle_path()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            text = fh.read()
            try:
                state = json.loads(text) if text.strip() else {}
                if not isinstance(state, dict):
                    state = {}
            except ValueError:  # a torn/garbled file restarts the counters rather than locking everyone out
                state = {}
            before = json.dumps(state, sort_keys=True)
            yield state
            now = time.time()
            # forget stale streaks so the file cannot grow without bound under a guessing attack on many names
            for k in [k for k, v in state.items() if now - float(v.get("last", 0)) > THROTTLE_FORGET_AFTER]:
                del state[k]
            after = json.dumps(state, sort_keys=True)
            if after != before:
                fh.seek(0)
                fh.truncate()
                fh.write(after)
                fh.flush()
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def throttle_wait(name: str, now: float | None = None) -> float:
    """Seconds until this user name may try again (0 = now)."""
    now = time.time() if now is None else now
    with _throttle_state() as st:
        rec = st.get(_throttle_key(name))
    if not rec or now - rec["last"] > THROTTLE_FORGET_AFTER:
        return 0.0
    return max(0.0, rec["last"] + failure_delay(int(rec["n"])) - now)


def record_failure(name: str, now: float | None = None) -> int:
    """Count one more failure in a row; returns the count."""
    now = time.time() if now is None else now
    key = _throttle_key(name)
    with _throttle_state() as st:
        rec = st.get(key)
        n = 1 if not rec or now - rec["last"] > THROTTLE_FORGET_AFTER else int(rec["n"]) + 1
        st[key] = {"n": n, "last": now}
    return n


def clear_failures(name: str) -> None:
    key = _throttle_key(name)
    with _throttle_state() as st:
        st.pop(key, None)


def failures(name: str) -> int:
    with _throttle_state() as st:
        rec = st.get(_throttle_key(name))
    return int(rec["n"]) if rec else 0


# ---------------------------------------------------------------------------------------------
# Login decisions (pure: no Streamlit)
WRONG = "用户名或密码错误。"


def _wait_text(seconds: float) -> str:
    return f"连续登录失败次数过多，请 {max(1, math.ceil(seconds))} 秒后再试。"


def verify_login(username: str, password: str, accounts: Accounts | None = None, now: float | None = None,
                 client: str | None = None) -> User | str:
    """The user, or the Chinese reason for refusing. Every refusal and success is written to the audit log
    (never the password). Throttled names are refused before the password is even checked."""
    name = (username or "").strip()[:128]
    if not name or not password:
        return "请输入用户名和密码。"
    accounts = accounts if accounts is not None else load_accounts()
    wait = throttle_wait(name, now)
    if wait > 0:
        audit("login_failed", name, reason="throttled", wait_seconds=math.ceil(wait), client=client)
        return _wait_text(wait)
    acct = accounts.find(name)
    # Always run one bcrypt check so unknown names cost the same time as wrong passwords.
    ok = check_password(password, acct.password_hash if acct and acct.password_hash else _dummy_hash())
    if not (ok and acct is not None and acct.password_hash):
        n = record_failure(name, now)
        reason = "unknown_user" if acct is None else ("no_password" if not acct.password_hash else "wrong_password")
        audit("login_failed", name, reason=reason, failures=n, client=client)
        delay = failure_delay(n)
        return WRONG + (f"已连续失败 {n} 次，请 {math.ceil(delay)} 秒后再试。" if delay else "")
    clear_failures(name)
    audit("login", acct.name, role=acct.role, county=acct.county, method="password", client=client)
    return acct.user()


def sso_user(identity: str | None, accounts: Accounts) -> User | str:
    """Map an identity-provider login (e-mail or login name) to a registered account allowed to use SSO."""
    ident = (identity or "").strip()
    if not ident:
        return "统一身份认证未返回用户标识（email），无法确定账户。"
    acct = accounts.find(ident)
    if acct is None or not acct.sso:
        from huxin.privacy import escape_markdown

        # the message goes into st.error, which renders Markdown
        return f"账户 {escape_markdown(ident[:128])} 未在本系统登记，请联系市治欠办管理员开通。"
    return acct.user()


def idle_expired(last_active: float | None, timeout_minutes: float, now: float | None = None) -> bool:
    """True when the session has been idle longer than the timeout (a timeout <= 0 disables it)."""
    if last_active is None or timeout_minutes <= 0:
        return False
    now = time.time() if now is None else now
    return now - last_active > timeout_minutes * 60


def demo_mode(accounts: Accounts | None = None) -> bool:
    """Demo data loaded and no accounts configured: no login, a role switcher.

    Under Streamlit's AppTest harness (config global.appTest, set only by the test framework) a database without
    accounts is treated like demo data too, so page tests on small non-demo fixture databases can pick a role
    through the demo_role/demo_county session keys. A served app never has that option set."""
    from huxin import data

    accounts = accounts if accounts is not None else load_accounts()
    return not accounts.users and (data.is_demo() or _test_harness())


def _test_harness() -> bool:
    try:
        from streamlit import config

        return bool(config.get_option("global.appTest"))
    except RuntimeError:  # an unknown option in some other Streamlit version
        return False


# ---------------------------------------------------------------------------------------------
# Streamlit flow
def current_user() -> User:
    """The signed-in user (or the demo user). Renders the login form / role switcher and st.stop()s until
    someone is signed in; also the idle timeout and the sidebar account box with 退出登录."""
    import streamlit as st

    from huxin.snapshot import capture_user

    # the server's own picture render (「导出本页图片」, etl snapshot) runs as the user named in its signed token
    if (captured := capture_user(st)) is not None:
        return captured
    try:
        accounts = load_accounts()
    except AccountsError as e:
        msg = str(e)
        _gate(st, lambda: st.error(msg))
    if demo_mode(accounts):
        return _demo_user(st)
    if not accounts.users:
        _gate(st, lambda: _no_accounts_page(st))
    oidc = oidc_configured()
    user = _session_user(st, accounts, oidc)
    if user is None:
        _gate(st, lambda: _login_page(st, accounts, oidc))
    _account_box(st, user, accounts)
    return user


def _gate(st: Any, render: Any) -> NoReturn:
    """Show only `render` (login form, refusal) and stop. It runs as the single page of a hidden st.navigation:
    without any st.navigation call Streamlit would fall back to listing and running the files in pages/ itself."""
    def page_for(key: str) -> Any:
        def login() -> None:
            render()

        login.__name__ = f"login_{key}"
        return st.Page(login, title="登录", icon=":material/lock:", url_path=key, default=key == "home")

    # Every page address answers with the login form, so a bookmarked /weekly?mode=present shows the form instead of
    # a "page not found" box, and lands on that page after signing in.
    st.navigation([page_for(k) for k in ["home", *sorted(ALL_PAGES - {"home"})]], position="hidden").run()
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _client() -> str | None:
    try:
        import streamlit as st

        ip = st.context.ip_address
    except (AttributeError, RuntimeError):  # outside a browser session
        return None
    return ip if isinstance(ip, str) else None


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (st.login through the office's OIDC provider)."""
    import streamlit as st

    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except OSError:  # StreamlitSecretNotFoundError: no or unreadable secrets file
        return False


def _oidc_provider(accounts: Accounts) -> str | None:
    """None for the single-provider [auth] form; a named [auth.<name>] section otherwise."""
    import streamlit as st

    if accounts.oidc_provider:
        return accounts.oidc_provider
    try:
        section = st.secrets["auth"]
        if "client_id" in section:
            return None
        named = [k for k in section if hasattr(section[k], "keys")]
        return named[0] if named else None
    except (KeyError, OSError, AttributeError):
        return None


def _sign_out(st: Any, event: str, notice: str | None = None, **fields: Any) -> None:
    info = st.session_state.get(SESSION_KEY) or {}
    if info:
        audit(event, info.get("name"), role=info.get("role"), method=info.get("method"), **fields)
    for k in (SESSION_KEY, LAST_ACTIVE_KEY, "user", "unmask_toggle", "_unmask_logged"):
        st.session_state.pop(k, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _session_user(st: Any, accounts: Accounts, oidc: bool) -> User | None:
    """The user of this session if still valid: not idle too long, account still there with the same role."""
    now = time.time()
    info = st.session_state.get(SESSION_KEY)
    if info and idle_expired(st.session_state.get(LAST_ACTIVE_KEY), accounts.timeout_minutes, now):
        method = info.get("method")
        _sign_out(st, "timeout", f"会话已超时（超过 {accounts.timeout_minutes:g} 分钟无操作），请重新登录。",
                  idle_minutes=accounts.timeout_minutes)
        if method == "oidc":
            st.logout()  # drops the identity cookie too; the next run starts a new session
            _gate(st, lambda: None)
        info = None
    if info:
        acct = accounts.find(info["name"])
        if acct is None or acct.role != info["role"] or acct.county != info.get("county"):
            _sign_out(st, "logout", "账户已被管理员变更或删除，请重新登录。", reason="account_changed")
            info = None
    if not info and oidc and _oidc_logged_in(st):
        ident = st.user.get("email") or st.user.get("preferred_username") or st.user.get("sub")
        res = sso_user(ident, accounts)
        if isinstance(res, str):
            audit("login_failed", str(ident or ""), reason="sso_not_registered", method="oidc", client=_client())

            def refused() -> None:
                st.error(res)
                st.button("退出统一身份认证", on_click=st.logout)

            _gate(st, refused)
        info = {"name": res.name, "role": res.role, "county": res.county, "method": "oidc"}
        st.session_state[SESSION_KEY] = info
        audit("login", res.name, role=res.role, county=res.county, method="oidc", client=_client())
    if not info:
        return None
    st.session_state[LAST_ACTIVE_KEY] = now
    return User(info["name"], info["role"], info.get("county"))


def _oidc_logged_in(st: Any) -> bool:
    try:
        return bool(st.user.is_logged_in)
    except (AttributeError, KeyError):
        return False


def _login_page(st: Any, accounts: Accounts, oidc: bool) -> None:
    st.title("护薪调度台")
    st.caption("内部资料 注意保密　｜　请登录后查看")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/lock_clock:")
    if oidc:
        provider = _oidc_provider(accounts)
        st.button("通过单位统一身份认证登录", type="primary", icon=":material/badge:",
                  on_click=st.login, args=(provider,) if provider else ())
        if not any(a.password_hash for a in accounts.users.values()):
            return
        st.caption("或使用本地账户：")
    with st.form("login_form", clear_on_submit=False, enter_to_submit=True):
        name = st.text_input("用户名", key="login_name", max_chars=128, autocomplete="username")
        password = st.text_input("密码", type="password", key="login_password", max_chars=128,
                                 autocomplete="current-password")
        submitted = st.form_submit_button("登录", type="primary")
    if submitted:
        res = verify_login(name, password, accounts, client=_client())
        if isinstance(res, User):
            st.session_state[SESSION_KEY] = {"name": res.name, "role": res.role, "county": res.county,
                                             "method": "password"}
            st.session_state[LAST_ACTIVE_KEY] = time.time()
            st.rerun()
        st.error(res, icon=":material/block:")


def _no_accounts_page(st: Any) -> None:
    st.title("护薪调度台")
    st.error("已导入正式台账，但尚未配置任何账户，系统拒绝未登录访问。", icon=":material/lock:")
    st.text("请管理员在服务器上运行：\n"
            "  python -m etl user add 用户名 --role 市级管理员\n"
            "  python -m etl user add 用户名 --role 县区用户 --county 410221\n"
            "详见 docs/auth.md。")


def _present() -> bool:
    import streamlit as st

    return st.query_params.get("mode") == "present" or bool(st.session_state.get("present_toggle"))


def _account_box(st: Any, user: User, accounts: Accounts) -> None:
    with st.sidebar:
        where = f" · {_county_name(user.county)}" if user.county else ""
        st.text(f"{user.name}（{user.role_label}{where}）")
        st.button("退出登录", key="logout_button", icon=":material/logout:", on_click=_logout_clicked)
        if accounts.timeout_minutes > 0:
            _idle_watch(accounts.timeout_minutes)


def _logout_clicked() -> None:
    import streamlit as st

    method = (st.session_state.get(SESSION_KEY) or {}).get("method")
    _sign_out(st, "logout", "已退出登录。")
    if method == "oidc":
        st.logout()


def _idle_watch(timeout_minutes: float) -> None:
    """Check once a minute whether the session went idle, and if so rerun the app (which shows the login form),
    so that data left on an unattended screen disappears. A fragment rerun is not user activity."""
    import streamlit as st

    @st.fragment(run_every=60)
    def watch() -> None:
        if idle_expired(st.session_state.get(LAST_ACTIVE_KEY), timeout_minutes):
            st.rerun(scope="app")

    watch()


def _demo_user(st: Any) -> User:
    from huxin import data

    regions = data.regions()
    codes = regions["code"].tolist()
    names = dict(zip(regions["code"], regions["name"], strict=True))
    if st.session_state.get(DEMO_ROLE_KEY) not in ROLES:
        st.session_state[DEMO_ROLE_KEY] = "city_admin"
    with st.sidebar:
        st.info(DEMO_NOTICE, icon=":material/science:")
        role = st.selectbox("演示角色", list(ROLES), format_func=ROLES.get, key=DEMO_ROLE_KEY)
        county = None
        if role == "county_user" and codes:
            if st.session_state.get(DEMO_COUNTY_KEY) not in codes:
                st.session_state[DEMO_COUNTY_KEY] = codes[0]
            county = st.selectbox("演示县区", codes, format_func=lambda c: f"{names.get(c, c)}（{c}）",
                                  key=DEMO_COUNTY_KEY)
    if not _present():
        st.caption(f"{DEMO_NOTICE}（当前：{ROLES[role]}）。正式使用前请配置账户，见 docs/auth.md。")
    return User("演示用户", role, county)
