"""Subcommand `user`: local accounts of the dashboard (add, list, remove, passwd, set, unlock).

Accounts are written to <app dir>/accounts.toml (huxin.audit.app_dir(): $ARREARS_APP_DIR, else data/app/) with
bcrypt hashes. Passwords are read with getpass (asked twice) or from standard input (--password-stdin, for
scripts); they are never echoed, printed, logged or stored in clear. Every change is written to the audit log.
"""
from __future__ import annotations

import argparse
import getpass
import re
import sys

from etl.common import add_db_arg, resolve_db
from huxin import auth
from huxin.audit import audit

ROLE_HELP = "角色 / role: " + "、".join(f"{k}（{v}）" for k, v in auth.ROLES.items())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("user", help="管理本地账户 / manage local accounts",
                       description="管理护薪调度台的本地账户（保存在 <应用目录>/accounts.toml，密码只存 bcrypt 哈希）。\n"
                                   "Manage local accounts (stored with bcrypt hashes in <app dir>/accounts.toml).\n"
                                   + ROLE_HELP,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    us = p.add_subparsers(dest="user_command", metavar="ACTION")

    a = us.add_parser("add", help="新增账户 / add an account")
    a.add_argument("name", help="用户名（统一身份认证账户用邮箱）/ user name (e-mail for SSO accounts)")
    a.add_argument("--role", required=True, help=ROLE_HELP)
    a.add_argument("--county", help="县区代码或名称（县区用户必填）/ county code or name (county users)")
    a.add_argument("--sso", action="store_true",
                   help="允许通过统一身份认证（OIDC）登录；不设密码则只能这样登录 / may sign in through OIDC")
    a.add_argument("--no-password", action="store_true", help="（与 --sso 合用）不设本地密码 / SSO only")
    a.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码 / read the password from stdin")
    a.add_argument("--force", action="store_true", help="覆盖同名账户 / replace an existing account")
    add_db_arg(a)
    a.set_defaults(func=cmd_add)

    ls = us.add_parser("list", help="列出账户 / list accounts")
    add_db_arg(ls)
    ls.set_defaults(func=cmd_list)

    r = us.add_parser("remove", help="删除账户 / remove an account")
    r.add_argument("name")
    r.set_defaults(func=cmd_remove)

    pw = us.add_parser("passwd", help="修改密码 / change a password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码 / read the password from stdin")
    pw.set_defaults(func=cmd_passwd)

    s = us.add_parser("set", help="修改角色或县区 / change role or county")
    s.add_argument("name")
    s.add_argument("--role", help=ROLE_HELP)
    s.add_argument("--county", help="县区代码或名称 / county code or name")
    add_db_arg(s)
    s.set_defaults(func=cmd_set)

    u = us.add_parser("unlock", help="清除登录失败计数 / clear failed-login delays")
    u.add_argument("name")
    u.set_defaults(func=cmd_unlock)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _fail(msg: str) -> int:
    print(f"错误：{msg}", file=sys.stderr)
    return 1


def _operator() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (containers)
        return "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        pw = line.removesuffix("\n").removesuffix("\r")
    else:
        pw = getpass.getpass("密码 / password: ")
        if getpass.getpass("再次输入 / repeat: ") != pw:
            raise ValueError("两次输入的密码不一致")
    why = auth.check_password_rules(pw)
    if why:
        raise ValueError(why)
    return pw


def _county_names(args: argparse.Namespace) -> dict[str, str]:
    """code -> name of the counties in the database (empty when there is no database yet)."""
    path = resolve_db(args)
    if not path.exists():
        return {}
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return dict(con.execute("SELECT code, name FROM regions WHERE level = 'county' ORDER BY code").fetchall())
    finally:
        con.close()


def _resolve_county(value: str | None, args: argparse.Namespace) -> str | None:
    if not value:
        return None
    v = value.strip()
    counties = _county_names(args)
    if not counties:
        if not re.fullmatch(r"\d{6}", v):
            raise ValueError(f"县区应为 6 位区划代码（未找到数据库，无法按名称查找）：{value}")
        print(f"提示：未找到数据库 {resolve_db(args)}，未核对县区代码 {v}。", file=sys.stderr)
        return v
    if v in counties:
        return v
    hits = [c for c, n in counties.items() if n == v]
    if len(hits) == 1:
        return hits[0]
    raise ValueError(f"数据库中没有县区 {value}；可选：" + "、".join(f"{n}（{c}）" for c, n in counties.items()))


def cmd_add(args: argparse.Namespace) -> int:
    try:
        role = auth.role_key(args.role)
        county = _resolve_county(args.county, args)
        if args.no_password and not args.sso:
            raise ValueError("--no-password 只能与 --sso 合用")
        name = auth.validate_name(args.name)
        if not args.force and name in auth.load_accounts().users:
            raise ValueError(f"账户 {name} 已存在（修改密码用 user passwd，覆盖用 --force）")
        password = None if args.no_password else _read_password(args.password_stdin)
        acct = auth.make_account(name, role, county, password, sso=args.sso)
        with auth.edit_accounts() as acc:
            if name in acc.users and not args.force:
                raise ValueError(f"账户 {name} 已存在")
            acc.users[name] = acct
    except (ValueError, auth.AccountsError) as e:
        return _fail(str(e))
    audit("account_add", _operator(), target=acct.name, role=acct.role, county=acct.county, sso=acct.sso)
    print(f"已添加账户 {acct.name}：{auth.ROLES[acct.role]}" + (f"，县区 {acct.county}" if acct.county else "")
          + ("，可统一身份认证登录" if acct.sso else "") + f"（{auth.accounts_path()}）")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    try:
        acc = auth.load_accounts()
    except auth.AccountsError as e:
        return _fail(str(e))
    if not acc.users:
        print(f"尚无账户（{auth.accounts_path()}）。")
        return 0
    names = _county_names(args)
    print(f"账户文件：{auth.accounts_path()}　会话超时：{acc.timeout_minutes:g} 分钟")
    print(f"{'用户名':<24}{'角色':<10}{'县区':<16}{'登录方式':<12}创建时间")
    for a in sorted(acc.users.values(), key=lambda a: a.name):
        county = f"{names.get(a.county, '')} {a.county}".strip() if a.county else "—"
        ways = "+".join(w for w, on in (("密码", bool(a.password_hash)), ("统一认证", a.sso)) if on)
        print(f"{a.name:<24}{auth.ROLES[a.role]:<10}{county:<16}{ways:<12}{a.created}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    try:
        with auth.edit_accounts() as acc:
            if args.name not in acc.users:
                raise ValueError(f"没有账户 {args.name}")
            del acc.users[args.name]
    except (ValueError, auth.AccountsError) as e:
        return _fail(str(e))
    auth.clear_failures(args.name)
    audit("account_remove", _operator(), target=args.name)
    print(f"已删除账户 {args.name}")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    try:
        if args.name not in auth.load_accounts().users:
            raise ValueError(f"没有账户 {args.name}")
        password = _read_password(args.password_stdin)
        new_hash = auth.hash_password(password)
        with auth.edit_accounts() as acc:
            old = acc.users.get(args.name)
            if old is None:
                raise ValueError(f"没有账户 {args.name}")
            acc.users[args.name] = auth.Account(old.name, old.role, old.county, new_hash, old.sso, old.created)
    except (ValueError, auth.AccountsError) as e:
        return _fail(str(e))
    auth.clear_failures(args.name)
    audit("account_passwd", _operator(), target=args.name)
    print(f"已修改账户 {args.name} 的密码")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    try:
        with auth.edit_accounts() as acc:
            old = acc.users.get(args.name)
            if old is None:
                raise ValueError(f"没有账户 {args.name}")
            role = auth.role_key(args.role) if args.role else old.role
            county = _resolve_county(args.county, args) if args.county else old.county
            if role == "county_user" and not county:
                raise ValueError("县区用户必须指定 --county")
            new = auth.Account(old.name, role, county if role == "county_user" else None, old.password_hash,
                               old.sso, old.created)
            acc.users[args.name] = new
    except (ValueError, auth.AccountsError) as e:
        return _fail(str(e))
    audit("account_set", _operator(), target=new.name, role=new.role, county=new.county)
    print(f"账户 {new.name}：{auth.ROLES[new.role]}" + (f"，县区 {new.county}" if new.county else ""))
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    n = auth.failures(args.name)
    auth.clear_failures(args.name)
    audit("account_unlock", _operator(), target=args.name, failures=n)
    print(f"已清除 {args.name} 的登录失败计数（原为 {n} 次）")
    return 0
