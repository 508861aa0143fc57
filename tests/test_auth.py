"""Login, accounts, throttle, session timeout, demo mode and the `python -m etl user` command.

Every test points ARREARS_APP_DIR at its own directory: an accounts file left in the shared test app dir would put
every other page test behind the login form.
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from huxin import auth
from tests.conftest import ROOT

PW_A = "Kaifeng-2026!"
PW_ADMIN = "管理员的长密码2026"
COUNTY_A = "410221"   # 杞县
COUNTY_B = "410222"   # 通许县


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "app"
    monkeypatch.setenv("ARREARS_APP_DIR", str(d))
    return d


def audit_events(app_dir: Path) -> list[dict]:
    p = app_dir / "audit.jsonl"
    return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines()] if p.exists() else []


def add_accounts(*accounts: auth.Account, timeout: float | None = None) -> None:
    with auth.edit_accounts() as acc:
        for a in accounts:
            acc.users[a.name] = a
        if timeout is not None:
            acc.timeout_minutes = timeout


def county_account(name: str = "杞县张科长", county: str = COUNTY_A) -> auth.Account:
    return auth.make_account(name, "县区用户", county, PW_A, rounds=4)


# ---------------------------------------------------------------------------------------------
# Roles and scope
def test_roles_accept_english_key_or_chinese_label() -> None:
    assert auth.role_key("county_user") == auth.role_key("县区用户") == "county_user"
    assert auth.role_key(" 只读大屏 ") == "screen"
    with pytest.raises(ValueError, match="未知角色"):
        auth.role_key("superuser")


def test_scope_per_role() -> None:
    admin, analyst = auth.User("a", "city_admin"), auth.User("b", "city_analyst")
    county, screen = auth.User("c", "county_user", COUNTY_A), auth.User("d", "screen")
    assert admin.scope(True).unmask and admin.scope(True).counties is None
    assert not admin.scope(False).unmask
    assert not analyst.scope(True).unmask and analyst.scope(True).counties is None   # may not unmask
    assert county.scope(True).counties == (COUNTY_A,) and not county.scope(True).unmask
    assert not screen.scope(True).unmask
    # a county user without a county, or an unknown role, reads nothing rather than everything
    assert auth.User("e", "county_user").scope().counties == ()
    assert auth.User("f", "boss").scope().counties == ()


def test_pages_per_role() -> None:
    assert auth.pages_for("screen") == {"weekly", "map"}
    assert auth.pages_for("city_analyst") == auth.ALL_PAGES
    assert "quality" not in auth.pages_for("county_user") and "ranking" in auth.pages_for("county_user")
    assert auth.pages_for("nobody") == set()


# ---------------------------------------------------------------------------------------------
# Passwords and the accounts file
def test_password_hash_is_salted_bcrypt_and_rules() -> None:
    h1, h2 = auth.hash_password(PW_A, rounds=4), auth.hash_password(PW_A, rounds=4)
    assert h1.startswith("$2b$") and h1 != h2 and PW_A not in h1
    assert auth.check_password(PW_A, h1) and not auth.check_password(PW_A + "x", h1)
    assert not auth.check_password(PW_A, "garbage")
    assert auth.check_password_rules("short") and auth.check_password_rules("长" * 25)
    with pytest.raises(ValueError):
        auth.hash_password("1234567")


def test_accounts_roundtrip_and_file_mode(app_dir: Path) -> None:
    add_accounts(county_account(), auth.make_account("admin@kf.gov.cn", "市级管理员", None, PW_ADMIN, sso=True,
                                                     rounds=4), timeout=15)
    path = auth.accounts_path()
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    acc = auth.load_accounts()
    assert acc.timeout_minutes == 15
    assert acc.users["杞县张科长"].county == COUNTY_A and acc.users["杞县张科长"].role == "county_user"
    assert acc.find("ADMIN@kf.gov.cn").sso
    text = path.read_text(encoding="utf-8")
    assert PW_A not in text and PW_ADMIN not in text


def test_malformed_accounts_file_is_an_error_not_demo_mode(app_dir: Path) -> None:
    app_dir.mkdir(parents=True, exist_ok=True)
    (app_dir / "accounts.toml").write_text('[users."x"]\nrole = "god"\n', encoding="utf-8")
    with pytest.raises(auth.AccountsError, match="角色"):
        auth.load_accounts()


def test_names_with_quotes_or_control_characters_are_refused() -> None:
    for bad in ('a"b', "a\\b", "a\nb", "", "x" * 65):
        with pytest.raises(ValueError):
            auth.validate_name(bad)


# ---------------------------------------------------------------------------------------------
# verify_login and the throttle
def test_login_success_and_failures_are_audited_without_passwords(app_dir: Path) -> None:
    add_accounts(county_account())
    acc = auth.load_accounts()
    user = auth.verify_login("杞县张科长", PW_A, acc)
    assert user == auth.User("杞县张科长", "county_user", COUNTY_A)
    assert auth.verify_login("杞县张科长", "wrong-password", acc) == auth.WRONG
    # an unknown name gets the same answer (no user enumeration)
    assert auth.verify_login("没有这个人", PW_A, acc) == auth.WRONG
    assert auth.verify_login("", "", acc) == "请输入用户名和密码。"
    ev = audit_events(app_dir)
    assert [(e["event"], e["user"], e.get("reason")) for e in ev] == [
        ("login", "杞县张科长", None), ("login_failed", "杞县张科长", "wrong_password"),
        ("login_failed", "没有这个人", "unknown_user")]
    raw = (app_dir / "audit.jsonl").read_text(encoding="utf-8")
    assert PW_A not in raw and "wrong-password" not in raw


def test_failure_delays_grow_exponentially_to_a_minute() -> None:
    assert [auth.failure_delay(n) for n in range(1, 11)] == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_throttle_refuses_inside_the_window_even_with_the_right_password(app_dir: Path) -> None:
    add_accounts(county_account())
    acc = auth.load_accounts()
    t0 = time.time()
    for i in range(4):
        assert auth.verify_login("杞县张科长", "nope-nope", acc, now=t0 + i * 100).startswith(auth.WRONG)
    # 4 failures -> wait 2 s after the last one; the right password is refused inside that window
    msg = auth.verify_login("杞县张科长", PW_A, acc, now=t0 + 301)
    assert msg == "连续登录失败次数过多，请 1 秒后再试。"
    assert auth.failures("杞县张科长") == 4        # a refused attempt does not extend the streak
    assert isinstance(auth.verify_login("杞县张科长", PW_A, acc, now=t0 + 303), auth.User)
    assert auth.failures("杞县张科长") == 0
    assert [e.get("reason") for e in audit_events(app_dir)].count("throttled") == 1


def test_failure_message_names_the_wait(app_dir: Path) -> None:
    add_accounts(county_account())
    acc = auth.load_accounts()
    t0 = time.time()
    msgs = [auth.verify_login("杞县张科长", "nope-nope", acc, now=t0 + i * 100) for i in range(5)]
    assert msgs[1] == auth.WRONG
    assert msgs[4] == auth.WRONG + "已连续失败 5 次，请 4 秒后再试。"


def test_throttle_is_shared_between_processes(app_dir: Path) -> None:
    code = "from huxin import auth\nfor _ in range(5): auth.record_failure('Bob')"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    assert auth.failures("bob") == 5          # names are compared case-insensitively
    assert 0 < auth.throttle_wait("bob") <= 4


def test_old_failure_streaks_are_forgotten(app_dir: Path) -> None:
    t0 = time.time() - 2 * auth.THROTTLE_FORGET_AFTER
    for _ in range(6):
        auth.record_failure("carol", now=t0)
    assert auth.throttle_wait("carol") == 0
    assert auth.record_failure("carol") == 1


def test_idle_expiry() -> None:
    now = 10_000.0
    assert auth.idle_expired(now - 31 * 60, 30, now) and not auth.idle_expired(now - 29 * 60, 30, now)
    assert not auth.idle_expired(now - 10 ** 6, 0, now)     # 0 disables the timeout
    assert not auth.idle_expired(None, 30, now)


def test_sso_identity_must_be_registered_for_sso(app_dir: Path) -> None:
    add_accounts(auth.make_account("li@kf.gov.cn", "市级分析员", None, None, sso=True),
                 county_account())
    acc = auth.load_accounts()
    assert auth.sso_user("Li@KF.gov.cn", acc) == auth.User("li@kf.gov.cn", "city_analyst", None)
    assert "未在本系统登记" in auth.sso_user("stranger@x.cn", acc)
    assert "未在本系统登记" in auth.sso_user("杞县张科长", acc)       # a password-only account is not an SSO one
    assert "email" in auth.sso_user(None, acc)


# ---------------------------------------------------------------------------------------------
# CLI
def run_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "",
            capsys: pytest.CaptureFixture[str] | None = None) -> int:
    from etl.__main__ import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(argv)


def test_cli_add_list_passwd_set_remove(app_dir: Path, tmp_path: Path, make_db, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    db = make_db()
    monkeypatch.setattr(auth, "BCRYPT_ROUNDS", 4)
    assert run_cli(["--db", str(db), "user", "add", "zhang", "--role", "县区用户", "--county", "杞县",
                    "--password-stdin"], monkeypatch, PW_A + "\n") == 0
    assert auth.load_accounts().users["zhang"].county == COUNTY_A         # county given by name, stored as code
    assert run_cli(["--db", str(db), "user", "add", "zhang", "--role", "screen", "--password-stdin"],
                   monkeypatch, PW_A + "\n") == 1                           # exists
    assert run_cli(["--db", str(db), "user", "add", "x", "--role", "县区用户", "--county", "999999",
                    "--password-stdin"], monkeypatch, PW_A + "\n") == 1     # not a county of the database
    assert run_cli(["--db", str(db), "user", "add", "x", "--role", "县区用户", "--password-stdin"],
                   monkeypatch, PW_A + "\n") == 1                           # county user without county
    assert run_cli(["user", "add", "y", "--role", "city_admin", "--password-stdin"], monkeypatch, "short\n") == 1
    # interactive: asked twice via getpass; a mismatch is refused
    answers = iter([PW_ADMIN, PW_ADMIN + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run_cli(["user", "add", "boss", "--role", "市级管理员"], monkeypatch) == 1
    answers = iter([PW_ADMIN, PW_ADMIN])
    assert run_cli(["user", "add", "boss", "--role", "市级管理员"], monkeypatch) == 0
    assert isinstance(auth.verify_login("boss", PW_ADMIN), auth.User)
    assert run_cli(["--db", str(db), "user", "list"], monkeypatch) == 0
    assert run_cli(["user", "passwd", "zhang", "--password-stdin"], monkeypatch, "New-password-9\n") == 0
    assert auth.verify_login("zhang", PW_A) == auth.WRONG
    assert auth.verify_login("zhang", "New-password-9") == auth.User("zhang", "county_user", COUNTY_A)
    assert run_cli(["--db", str(db), "user", "set", "zhang", "--county", COUNTY_B], monkeypatch) == 0
    assert auth.load_accounts().users["zhang"].county == COUNTY_B
    assert run_cli(["user", "set", "zhang", "--role", "市级分析员"], monkeypatch) == 0
    assert auth.load_accounts().users["zhang"].county is None
    assert run_cli(["user", "unlock", "zhang"], monkeypatch) == 0
    assert run_cli(["user", "remove", "zhang"], monkeypatch) == 0
    assert run_cli(["user", "remove", "zhang"], monkeypatch) == 1
    assert set(auth.load_accounts().users) == {"boss"}
    out = capsys.readouterr()
    everything = out.out + out.err + (app_dir / "audit.jsonl").read_text(encoding="utf-8") + \
        auth.accounts_path().read_text(encoding="utf-8")
    for pw in (PW_A, PW_ADMIN, "New-password-9"):
        assert pw not in everything
    assert "市级管理员" in out.out and "杞县" in out.out                   # list shows roles and county names
    assert {"account_add", "account_passwd", "account_set", "account_remove", "account_unlock"} <= \
        {e["event"] for e in audit_events(app_dir)}


# ---------------------------------------------------------------------------------------------
# The app: login form, logout, timeout, demo mode, SSO
def _texts(at) -> str:
    parts = []
    for kind in ("title", "caption", "markdown", "text", "error", "info", "warning", "metric"):
        for el in getattr(at, kind):
            parts.append(str(getattr(el, "label", "")) + " " + str(el.value))
    return "\n".join(parts)


def _app(db: Path, use_db, **state):
    from streamlit.testing.v1 import AppTest

    use_db(db)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["as_of"] = __import__("tests.conftest", fromlist=["AS_OF"]).AS_OF
    for k, v in state.items():
        at.session_state[k] = v
    return at


@pytest.fixture
def small_db(make_db) -> Path:
    return make_db(clues=[{"线索编号": "XS001", "来源渠道": "来电", "反映时间": "2026-11-10", "所属区县": COUNTY_A,
                           "被反映单位": "杞县某建筑公司", "涉及人数": 3, "涉及金额（元）": 5000, "办理状态": "办理中"},
                          {"线索编号": "XS002", "来源渠道": "来电", "反映时间": "2026-11-10", "所属区县": COUNTY_B,
                           "被反映单位": "通许某劳务公司", "涉及人数": 4, "涉及金额（元）": 7000,
                           "办理状态": "办理中"}])


def test_login_form_refuses_wrong_password_then_admits(app_dir: Path, small_db: Path, use_db) -> None:
    add_accounts(county_account())
    at = _app(small_db, use_db).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.metric and "范围" not in _texts(at)                  # nothing of the data before login
    at.text_input(key="login_name").input("杞县张科长")
    at.text_input(key="login_password").input("not-the-password")
    at.button[0].click().run()
    assert "用户名或密码错误" in at.error[0].value and not at.metric
    assert audit_events(app_dir)[-1]["event"] == "login_failed"
    at.text_input(key="login_password").input(PW_A)
    at.button[0].click().run()
    assert not at.exception and at.metric, _texts(at)
    assert "范围：杞县" in _texts(at)                                     # the county user's scope badge
    assert "杞县张科长（县区用户 · 杞县 410221）" in [t.value for t in at.sidebar.text]
    assert audit_events(app_dir)[-1]["event"] == "login"
    # 导入情况 is not offered to a county user
    # logout
    at.sidebar.button(key="logout_button").click().run()
    assert [t.label for t in at.text_input] == ["用户名", "密码"] and not at.metric
    assert "已退出登录" in _texts(at)
    assert audit_events(app_dir)[-1]["event"] == "logout"


def test_idle_session_times_out(app_dir: Path, small_db: Path, use_db) -> None:
    add_accounts(county_account(), timeout=30)
    at = _app(small_db, use_db, auth_user={"name": "杞县张科长", "role": "county_user", "county": COUNTY_A,
                                          "method": "password"},
              auth_last_active=time.time() - 5 * 60).run()
    assert at.metric and not at.text_input                              # 5 minutes idle: still in
    at.session_state["auth_last_active"] = time.time() - 31 * 60
    at.run()
    assert not at.metric and [t.label for t in at.text_input] == ["用户名", "密码"]
    assert "会话已超时" in _texts(at)
    assert audit_events(app_dir)[-1]["event"] == "timeout"


def test_session_ends_when_the_account_is_changed(app_dir: Path, small_db: Path, use_db) -> None:
    add_accounts(county_account())
    at = _app(small_db, use_db, auth_user={"name": "杞县张科长", "role": "county_user", "county": COUNTY_A,
                                          "method": "password"}, auth_last_active=time.time()).run()
    assert at.metric
    with auth.edit_accounts() as acc:
        acc.users["杞县张科长"] = county_account(county=COUNTY_B)
    at.run()
    assert not at.metric and "账户已被管理员变更或删除" in _texts(at)


def test_non_demo_database_without_accounts_refuses(app_dir: Path, small_db: Path, use_db,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_test_harness", lambda: False)            # behave like a served app
    at = _app(small_db, use_db).run()
    assert not at.exception
    assert not at.metric and "尚未配置任何账户" in at.error[0].value
    assert not at.sidebar.selectbox                                        # no role switcher


def _make_demo(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("DELETE FROM meta WHERE key = 'is_demo'")
    con.execute("INSERT INTO meta VALUES ('is_demo', '1')")
    con.close()
    return path


def test_demo_mode_role_switcher_and_notice(app_dir: Path, small_db: Path, use_db,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "_test_harness", lambda: False)
    at = _app(_make_demo(small_db), use_db).run()
    assert not at.exception and at.metric and not at.text_input
    assert auth.DEMO_NOTICE in [i.value for i in at.sidebar.info]
    assert any(auth.DEMO_NOTICE in c.value for c in at.main.caption)
    assert at.sidebar.selectbox(key="demo_role").value == "city_admin"
    at.sidebar.selectbox(key="demo_role").set_value("county_user").run()
    assert at.sidebar.selectbox(key="demo_county").value == "410202"    # first county of the city
    at.sidebar.selectbox(key="demo_county").set_value(COUNTY_B).run()
    assert "范围：通许县" in _texts(at)


def test_demo_database_with_accounts_requires_login(app_dir: Path, small_db: Path, use_db) -> None:
    add_accounts(county_account())
    at = _app(_make_demo(small_db), use_db, demo_role="city_admin").run()
    assert not at.metric and [t.label for t in at.text_input] == ["用户名", "密码"]
    assert not at.sidebar.selectbox


def test_single_sign_on(app_dir: Path, small_db: Path, use_db) -> None:
    add_accounts(auth.make_account("li@kf.gov.cn", "市级分析员", None, None, sso=True))
    secrets = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
                        "client_id": "c", "client_secret": "x",
                        "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}}
    at = _app(small_db, use_db)
    at.secrets = secrets
    at.run()
    assert not at.metric and at.button[0].label == "通过单位统一身份认证登录"
    assert not at.text_input                            # no password accounts: no local form
    at = _app(small_db, use_db)
    at.secrets, at.user = secrets, {"is_logged_in": True, "email": "li@kf.gov.cn"}
    at.run()
    assert not at.exception and at.metric
    assert audit_events(app_dir)[-1] | {"time": None} == {
        "time": None, "event": "login", "user": "li@kf.gov.cn", "role": "city_analyst", "county": None,
        "method": "oidc", "client": None}
    at = _app(small_db, use_db)
    at.secrets, at.user = secrets, {"is_logged_in": True, "email": "stranger@x.cn"}
    at.run()
    assert not at.metric and "未在本系统登记" in at.error[0].value
    assert audit_events(app_dir)[-1]["event"] == "login_failed"
