"""Masking personal data (complainants' names, phones, ID and bank card numbers).

Masking happens in the data layer (huxin.data) for every role that may not unmask, so no page, tooltip or export can
forget it. Free-text cells may also contain numbers that look like phones or IDs; ``mask_text`` scrubs those.
"""
from __future__ import annotations

import re

import pandas as pd

PERSONAL_COLUMNS = {"complainant": "name", "phone": "phone", "id_number": "id", "bank_card": "card"}

_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
_ID_RE = re.compile(r"(?<![0-9A-Za-z])(\d{4})(\d{10})(\d{3}[\dXx])(?![0-9A-Za-z])")
_CARD_RE = re.compile(r"(?<!\d)(\d{4})(\d{8,11})(\d{4})(?!\d)")


def mask_name(v: str | None) -> str | None:
    """张三 -> 张*, 欧阳娜娜 -> 欧***; keeps the surname only."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) == "":
        return v
    s = str(v)
    return s[0] + "*" * max(len(s) - 1, 1)


def mask_phone(v: str | None) -> str | None:
    """13812341234 -> 138****1234; other numbers keep only their last 4 digits."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) == "":
        return v
    s = re.sub(r"\s+", "", str(v))
    if _PHONE_RE.fullmatch(s):
        return s[:3] + "****" + s[-4:]
    return "*" * max(len(s) - 4, 0) + s[-4:] if len(s) > 4 else "*" * len(s)


def mask_id(v: str | None) -> str | None:
    """410202199001011234 -> 4102**********1234."""
    if v is None or (isinstance(v, float) and pd.isna(v)) or str(v) == "":
        return v
    s = str(v).strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_card(v: str | None) -> str | None:
    return mask_id(v)


def mask_text(s: str | None) -> str | None:
    """Scrub phone, ID and card numbers inside free text."""
    if not isinstance(s, str):
        return s
    s = _ID_RE.sub(lambda m: m.group(1) + "*" * 10 + m.group(3)[-4:][-4:], s)
    s = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(3), s)
    return _CARD_RE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), s)


_MASKERS = {"name": mask_name, "phone": mask_phone, "id": mask_id, "card": mask_card}


def mask_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Mask every personal column present in df (returns a copy)."""
    cols = [c for c in PERSONAL_COLUMNS if c in df.columns]
    if not cols:
        return df
    out = df.copy()
    for c in cols:
        out[c] = out[c].map(_MASKERS[PERSONAL_COLUMNS[c]])
    return out


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def escape_markdown(s: object) -> str:
    """Ledger or identity-provider text for the rare place it must sit inside a Markdown-rendering element
    (st.markdown, st.error, widget labels): every Markdown/HTML special character is backslash-escaped, so
    ``**粗体**`` and ``<img src=x onerror=…>`` show literally. Prefer st.text / st.dataframe, which need nothing."""
    return _MD_SPECIAL.sub(r"\\\1", "" if s is None else str(s))
