"""Who is looking: roles, the data scope they get, and (outside demo mode) login.

Interface used by app.py and pages (keep it stable):
    User(name, role, county) with .scope(unmask_requested) -> huxin.data.Scope, .can_unmask, .role_label
    current_user() -> User            # shows the login form / demo role switcher and st.stop()s when needed
    pages_for(role) -> set[str]       # page keys a role may open
"""
from __future__ import annotations

from dataclasses import dataclass

ROLES: dict[str, str] = {
    "city_admin": "市级管理员",
    "city_analyst": "市级分析员",
    "county_user": "县区用户",
    "screen": "只读大屏",
}
ALL_PAGES = {"home", "weekly", "ranking", "drill", "map", "clearing", "quality"}
ROLE_PAGES: dict[str, set[str]] = {
    "city_admin": ALL_PAGES,
    "city_analyst": ALL_PAGES,
    "county_user": ALL_PAGES,
    "screen": {"weekly", "map"},
}


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
        from huxin.data import Scope

        counties = (self.county,) if self.role == "county_user" and self.county else None
        if self.role == "county_user" and not self.county:
            counties = ()
        return Scope(counties=counties, unmask=bool(unmask_requested and self.can_unmask),
                     label=f"{self.role_label}{'（' + self.county + '）' if counties else ''}")


def pages_for(role: str) -> set[str]:
    return ROLE_PAGES.get(role, set())


def current_user() -> User:
    """Demo mode: a role switcher in the sidebar (no login). Replaced by the full login flow in huxin/auth."""
    import streamlit as st

    role = st.session_state.get("demo_role", "city_admin")
    county = st.session_state.get("demo_county")
    return User("演示用户", role, county)
