"""Realistic demo ledgers (线索台账 / 在建项目台账 / 案件台账) written as files.

``write_demo_ledgers`` writes the files a county or city arrears office (治欠办) would hand in,
with the canonical headers of ``huxin.vocab`` and the Chinese labels the ledgers use, so that the
real loader reads them exactly as it would read an office's files. ``demo_expectations`` returns
what was written (``manifest.json`` beside the ledgers).

Scales (totals are split over the counties given; per-county counts vary, lagging counties get more):

=========  ==========  =========  ========  ==========================================
scale      projects    clues      cases     files
=========  ==========  =========  ========  ==========================================
city       1,500       15,000     3,000     .xlsx (xlsxwriter constant_memory) or CSV
                                            with fmt="csv", plus the two messy files
province   30,000      300,000    60,000    CSV (UTF-8, no BOM)
national   300,000     3,000,000  600,000   CSV only (UTF-8, no BOM), written in chunks
=========  ==========  =========  ========  ==========================================

Everything is deterministic for a given ``seed`` (numpy ``Generator`` streams keyed by seed and
section); townships are deterministic per county code whatever the seed. Rows are generated with
numpy and assembled with pyarrow compute in chunks of counties, so no per-row Python loop runs at
the larger scales (the one exception is the coordinate conversion, done point by point with
fast-geocn's scalar ``wgs84_to_gcj02`` / ``wgs84_to_bd09``; about 1 s for 300,000 projects).

What the data shows (for the dashboard's pages):

* clues over the 365 days up to ``as_of``: peak in December-January and the weeks before the Spring
  Festival, a dip in the holiday week, a year-end rush, fewer on weekends and statutory holidays,
  a new rise in the first week of the winter campaign (its start comes from ``config/rules.toml``
  through ``huxin.workdays.campaign_for``: 15 November by default); none after ``as_of``;
* ~60 % construction clues, 70 % of them linked to a project of the same county; sources weighted
  towards the national platform (~45 %) and 12345 (~30 %); long-tailed workers and amounts;
* most clues closed within 2-15 working days, recent ones still 签收/办理中, a few old ones stuck
  (overdue), ~1 % 退回; a few lagging counties (slower, more overdue, more clues, weaker project
  safeguards) and exemplary ones (listed in the manifest); the other counties spread evenly from good
  to mediocre (closing speed, share of slow and stuck clues, project safeguards, campaign effort);
* the winter campaign (``_Effort``): each county mobilises (good ones about a week before the official
  start, mediocre ones later, lagging ones a few days after it) and then works faster, more so as the
  deadline nears: what is left of every open clue and case shrinks and stuck clues get cleared. So the
  open stock of most counties falls after the campaign start while the lagging ones keep piling up. A
  week into the campaign (2026-11-20, seed 7, city scale) the league table shows counties on pace (蓝),
  on pace with a few overdue clues (黄/橙), at risk (有风险, 橙) and the two lagging ones behind (滞后,
  红); the city's open stock has started to fall but is still above the ideal line (tests/test_demo.py);
* repeat-offender employers complained about in several counties, problem projects with many clues;
* cases: ~60 % from a verified (属实) clue (same county, employer and project; 立案日期 1-15 working days
  after 反映时间, never after ``as_of``), stages, payments,
  escalation (挂牌督办 ~5 %, 领导包案 ~2 %, 专案组 ~1 %), police referral and blacklist flags.

Personal data (反映人, 联系电话, 身份证号) is fake but well-formed: names from surname and given-name
lists, 11-digit mobile numbers, 18-digit ID numbers with the county code and a valid GB 11643 check
character. Credit codes (统一社会信用代码) are valid GB 32100 codes (with a valid GB 11714
organisation code inside) or blank.

所属区县 is the county's full name; a name that occurs twice among the counties given (e.g. 鼓楼区 at
national scale) is written with its city in front (开封市鼓楼区) so that it stays unambiguous.

Deliberate defects (city scale only, so that the real loader's cleaning and accounting are exercised)
-----------------------------------------------------------------------------------------------------
``线索台账_12345补录.csv`` (60 data rows, clue ids ``BL12345-0001``.. never collide with the main file):

* encoded GBK, not UTF-8; CRLF line ends;
* two title rows above the header (``开封市根治欠薪线索台账（12345补录）`` and
  ``填报单位：市治欠办  填报日期：YYYY年M月D日``);
* headers with half-width brackets and a space (``涉及金额 (元)``, ``解决金额 (元)``), ``所属地区``
  instead of 所属区县 and ``受理时间`` instead of 反映时间;
* dates in mixed formats: ``2026/11/20``, ``2026.11.20``, ``2026年11月20日``, ``20261120``,
  ``2026-11-20 14:32``, ``2026/11/20 9:05:00``;
* amounts as ``12,345``, ``1.2万``, ``12345.00`` or plain; counties as the 6-digit code, the short
  name (``龙亭``) or the full name;
* full-width spaces around / inside some cells (``　龙亭　``, ``王　伟``) and line breaks inside some
  被反映单位 cells;
* one blank row in the middle and a ``合计`` summary row at the bottom;
* exactly 3 bad rows the loader must reject (and count): one with an empty 被反映单位, one with the
  unknown county ``火星区``, one that is 已办结 without 办结时间. All other 57 rows are valid.

``在建项目台账_交通水利.xlsx`` (40 data rows, 交通/水利 projects, ids continue each county's numbering):
one merged title row above the header; yes/no written as ``√``/``×`` (实名制管理, 工资专用账户, 总包代发,
按月足额支付) and ``有``/``无`` (维权信息公示牌, 工程款支付担保); 开工日期 and 实名制更新日期 as real Excel
date cells (the main files write dates as ``YYYY-MM-DD`` text). No row is bad.

With ``fmt="csv"`` at city scale the three main ledgers are CSV; the two messy files stay as described.

The manifest gives, per file: ledger, format, encoding, title_rows, header_row, data_rows (blank and
summary rows excluded, bad rows included), blank_rows, summary_rows, bad_rows (with ids and reasons),
expected_loaded (= data_rows - bad_rows) and, for the 12345 file, valid_workers / valid_amount (sums
over the 57 valid rows, 1.2万 read as 12,000). It also lists the lagging / exemplary counties, the
repeat offenders, problem projects, the campaign of ``as_of``, a profile per county (quality, closing
speed, campaign effort, mobilisation day) and the years the working-day calendar approximated by weekends.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import itertools
import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from huxin.config import load_rules
from huxin.vocab import (
    CASE_HEADERS,
    CASE_STAGES,
    CLUE_HEADERS,
    CLUE_SOURCES,
    CLUE_STATUS,
    INDUSTRIES,
    INVESTMENT_TYPES,
    PROJECT_HEADERS,
    PROJECT_STATUS,
    SECTORS,
    SUPERVISION_LEVELS,
    VERDICTS,
    WAGE_DEPOSIT,
)
from huxin.workdays import Campaign, campaign_for

__all__ = [
    "SCALES",
    "demo_expectations",
    "id_check_char",
    "is_valid_credit_code",
    "usci_check_char",
    "write_demo_ledgers",
]

SCALES: dict[str, dict[str, int]] = {
    "city": {"projects": 1_500, "clues": 15_000, "cases": 3_000},
    "province": {"projects": 30_000, "clues": 300_000, "cases": 60_000},
    "national": {"projects": 300_000, "clues": 3_000_000, "cases": 600_000},
}
MANIFEST = "manifest.json"
_LEDGER_PREFIXES = ("在建项目台账", "线索台账", "案件台账")
_CHUNK_CLUES = 150_000          # clues generated and written per chunk of counties (bounds memory)
_XLSX_MAX_ROWS = 1_048_000

# --- check characters ------------------------------------------------------------------
_USCI_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCI_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], dtype=np.int64)
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_ID_CHECK = "10X98765432"


def usci_check_char(body17: str) -> str:
    """GB 32100-2015 check character of the first 17 characters of a unified social credit code."""
    total = sum(_USCI_CHARSET.index(ch) * int(w) for ch, w in zip(body17, _USCI_WEIGHTS))
    return _USCI_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code: str) -> bool:
    """True for an 18-character code whose characters are allowed and whose check character matches."""
    if not isinstance(code, str) or len(code) != 18 or any(ch not in _USCI_CHARSET for ch in code):
        return False
    return usci_check_char(code[:17]) == code[17]


def id_check_char(body17: str) -> str:
    """GB 11643 check character of a resident ID number."""
    total = sum(int(ch) * int(w) for ch, w in zip(body17, _ID_WEIGHTS))
    return _ID_CHECK[total % 11]


# --- word lists ----------------------------------------------------------------------------
_BRAND = ("鼎盛", "宏达", "华泰", "金鼎", "恒通", "中原", "瑞丰", "鑫源", "振兴", "宏远", "伟业", "永安", "昌盛",
          "兴隆", "天诚", "锦程", "华夏", "嘉禾", "鸿运", "聚力", "腾达", "润泽", "广厦", "宏图", "东方", "盛世",
          "信达", "安泰", "正大", "建华", "顺发", "金泰", "荣盛", "佳和", "新兴", "豫通", "和顺", "福源", "万通",
          "天宇", "广源", "德信", "卓越", "远航", "联创", "宏基", "晨光", "金辉", "利民", "众鑫", "恒基", "隆昌",
          "汇通", "国泰", "华信", "通达", "盛达", "凯旋", "博远", "启航", "嘉豪", "瑞祥", "永盛", "祥和", "天成",
          "鑫达", "恒泰", "鼎力", "弘毅", "泰和", "宏泰", "金源", "聚源", "长兴", "同创", "华宇", "中兴", "恒昌",
          "永兴", "鑫盛", "宏昌", "建业", "金盾", "天润", "恒信", "明达", "正通", "宇通", "昊天", "鸿泰")
_GC_TYPES = ("建设集团有限公司", "建设工程有限公司", "建筑工程有限公司", "路桥工程有限公司", "市政工程有限公司",
             "水利水电工程有限公司", "建工集团有限公司")
_SUB_TYPES = ("建筑劳务有限公司", "劳务分包有限公司", "建筑装饰工程有限公司", "园林绿化工程有限公司",
              "钢结构工程有限公司", "建筑安装工程有限公司", "防水保温工程有限公司", "机械设备租赁有限公司",
              "劳务有限公司", "建筑劳务有限责任公司")
_IND_TYPES: dict[str, tuple[str, ...]] = {
    "制造业": ("机械制造有限公司", "服装有限公司", "食品有限公司", "电子科技有限公司", "塑料制品有限公司",
             "纺织有限公司", "家具制造有限公司", "包装材料有限公司", "汽车配件有限公司"),
    "批发零售": ("商贸有限公司", "贸易有限公司", "百货有限公司", "超市有限公司", "建材销售有限公司", "医药连锁有限公司"),
    "住宿餐饮": ("餐饮管理有限公司", "酒店管理有限公司", "大酒店有限公司", "餐饮服务有限公司", "宾馆有限公司"),
    "交通运输": ("物流有限公司", "运输有限公司", "货运有限公司", "客运有限公司", "快递服务有限公司"),
    "居民服务": ("物业服务有限公司", "家政服务有限公司", "保安服务有限公司", "环境卫生服务有限公司",
             "洗涤服务有限公司", "美容美发有限公司"),
    "其他": ("教育咨询有限公司", "文化传媒有限公司", "农业开发有限公司", "网络科技有限公司", "人力资源服务有限公司",
           "养殖专业合作社"),
}
_OTHER_INDUSTRIES = INDUSTRIES[1:]
_OTHER_INDUSTRY_P = np.array([0.30, 0.16, 0.20, 0.10, 0.14, 0.10])
_PLACE = ("东关", "西关", "南关", "北关", "新城", "城东", "城西", "城南", "城北", "解放", "人民", "建设", "和平",
          "新华", "文化", "胜利", "东风", "红旗", "向阳", "朝阳", "柳林", "杨庄", "李庄", "王店", "张集", "刘集",
          "高阳", "孙营", "八里湾", "半坡店", "曲兴", "马头", "葛岗", "大营", "小宋", "岗李", "邢口", "高庙",
          "庄头", "白塔", "石桥", "双庙", "河口", "清水", "桃园", "杏花营", "水稻", "仙人庄", "柳园口", "北郊",
          "南郊", "汪屯", "土山岗", "范村", "西姜寨", "朱仙", "黄龙", "金明", "滨河", "龙泉", "长青", "永丰")
_PROJECT_PLACE = ("滨河", "东湖", "北城", "南苑", "新城", "城东", "城西", "金水", "中央", "文化", "幸福", "和谐",
                  "阳光", "锦绣", "翡翠", "书香", "汴西", "龙湖", "北湖", "复兴", "迎宾", "金耀", "西区", "东区")
_KIND_PUBLIC = ("安置房项目", "棚户区改造项目", "保障性租赁住房项目", "老旧小区改造项目", "中学教学楼建设项目",
                "人民医院门诊综合楼项目", "综合服务中心项目", "文体中心项目", "污水处理厂提标改造项目",
                "标准化厂房项目", "职业技术学校实训楼项目", "党群服务中心项目")
_KIND_PRIVATE = ("住宅小区项目", "商住楼项目", "商业综合体项目", "标准化厂房项目", "物流园项目", "酒店项目",
                 "产业园项目", "写字楼项目")
_KIND_TRANSPORT = ("道路提升改造工程", "快速通道工程", "大桥新建工程", "农村公路提质改造工程", "互通立交工程",
                   "公交枢纽站项目", "国道改线工程")
_KIND_WATER = ("河道综合治理工程", "灌区续建配套与节水改造工程", "水库除险加固工程", "供水管网改造工程",
               "防洪排涝工程", "引黄调蓄工程", "城乡供水一体化工程")
_PHASES = ("", "（一期）", "（二期）", "（三期）", "（A地块）", "（B地块）")
_PHASE_P = np.array([0.55, 0.15, 0.15, 0.05, 0.05, 0.05])
_GOV_BUILDERS_HOUSING = ("住房和城乡建设局", "城市管理局", "教育局", "卫生健康委员会", "城乡建设投资有限公司",
                         "城市更新服务中心")
_SOE_BUILDERS = ("发展投资集团有限公司", "城市建设投资集团有限公司", "建设投资有限公司", "产业投资集团有限公司",
                 "交通投资集团有限公司", "水务集团有限公司")
_PRIVATE_BUILDER = ("置业有限公司", "房地产开发有限公司", "实业有限公司", "投资发展有限公司")
_SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何",
             "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹", "袁", "邓",
             "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛", "叶", "阎", "余",
             "潘", "杜", "戴", "夏", "钟", "汪", "田", "任", "姜", "范", "方", "石", "姚", "谭", "廖", "邹", "熊",
             "金", "陆", "郝", "孔", "白", "崔", "康", "毛", "邱", "秦", "江", "史", "顾", "侯", "邵", "孟", "龙",
             "万", "段", "雷", "钱", "汤", "尹", "黎", "易", "常", "武", "乔", "贺", "赖", "龚", "文")
_SURNAME_P = np.linspace(3.0, 0.4, len(_SURNAMES))
_SURNAME_P = _SURNAME_P / _SURNAME_P.sum()
_GIVEN = ("伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "斌",
          "宇", "浩", "凯", "健", "俊", "帅", "建", "国", "新", "海", "永", "红", "峰", "亮", "林", "振", "东", "志",
          "文", "德", "春", "金", "成", "福", "喜", "长", "保", "全", "芳", "娟", "敏", "静", "丽", "艳", "霞", "丹",
          "玲", "燕", "萍", "宏", "瑞", "庆", "良", "岩")
_GIVEN_PAIRS = ("建军", "建国", "秀英", "桂英", "玉兰", "秀兰", "红梅", "志强", "海涛", "国庆", "春生", "保国")
_LINKED_P = 0.7          # share of construction clues about a project in the project ledger (the rest: small jobs)
_SOURCE_P = np.array([0.45, 0.30, 0.07, 0.05, 0.07, 0.03, 0.03])
_VERDICT_P_CONSTR = np.array([0.52, 0.07, 0.12, 0.08, 0.10, 0.08, 0.03])
_VERDICT_P_OTHER = np.array([0.52, 0.06, 0.01, 0.20, 0.10, 0.08, 0.03])
_SPRING_FESTIVAL = {2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22), 2024: (2, 10), 2025: (1, 29),
                    2026: (2, 17), 2027: (2, 6), 2028: (1, 26), 2029: (2, 13), 2030: (2, 3), 2031: (1, 23),
                    2032: (2, 11), 2033: (1, 31), 2034: (2, 19), 2035: (2, 8)}
_YES, _NO = "是", "否"

# Fixed orders of the vocabularies as written.
_STATUS_LABELS = tuple(CLUE_STATUS)                 # 签收 办理中 已办结 退回
_INV_LABELS = tuple(INVESTMENT_TYPES)               # 政府投资 国企投资 PPP 社会投资
_PROJ_STATUS_LABELS = tuple(PROJECT_STATUS)         # 在建 停工 竣工 未开工
_DEPOSIT_LABELS = tuple(WAGE_DEPOSIT)               # 现金 保函 减免 未缴
_STAGE_LABELS = tuple(CASE_STAGES)                  # 立案 调解 责令整改 移送公安 申请法院执行 结案
_SUPERVISION_LABELS = tuple(SUPERVISION_LEVELS)     # 挂牌督办 领导包案 专案组
_COORD_LABELS = ("GCJ02", "BD09", "WGS84")


# --- small helpers ---------------------------------------------------------------------------
def _s(values) -> pa.Array:
    return pa.array(list(values), pa.string())


def _take(values: pa.Array | list | tuple, idx: np.ndarray) -> pa.Array:
    arr = values if isinstance(values, pa.Array) else _s(values)
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def _join(*parts) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    if not mask.any():
        return arr
    return pc.if_else(pa.array(~mask), arr, pa.scalar(None, arr.type))


def _ints(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64), pa.int64(), mask=null)


def _lpad(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string()), width=width, padding="0")


def _choice(rng: np.random.Generator, n: int, p) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    cdf = np.cumsum(p / p.sum())
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(p) - 1)


def _split_total(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to weights that add up to total (largest remainder)."""
    w = np.asarray(weights, dtype=float)
    raw = total * w / w.sum()
    out = np.floor(raw).astype(np.int64)
    rest = total - out.sum()
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return out


def _gerp(lo: float, hi: float, q: np.ndarray) -> np.ndarray:
    """Geometric interpolation: lo at q = 0, hi at q = 1."""
    return lo * (hi / lo) ** np.asarray(q, dtype=float)


def _group_rank(group: np.ndarray) -> np.ndarray:
    """0-based position of each element within its run of equal (sorted) group values."""
    n = len(group)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths)


def _segment_pick(rng: np.random.Generator, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """A uniform random index in [start, start+length) per element (length ≥ 1)."""
    return start + np.minimum((rng.random(len(start)) * length).astype(np.int64), length - 1)


def _round_money(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    x = np.maximum(np.asarray(x, dtype=float), 100.0)
    r = rng.random(len(x))
    return np.where(r < 0.55, np.round(x / 100) * 100, np.where(r < 0.8, np.round(x / 10) * 10, np.round(x))
                    ).astype(np.int64)


def _spring_festival(year: int) -> dt.date:
    try:
        from lunardate import LunarDate  # optional; the table below covers 2020-2035
        ld = LunarDate(year, 1, 1)
        return ld.to_solar_date() if hasattr(ld, "to_solar_date") else ld.toSolarDate()
    except Exception:  # noqa: BLE001 - fall back to the table
        m, d = _SPRING_FESTIVAL.get(year, (2, 5))
        return dt.date(year, m, d)


def _short_county(name: str) -> str:
    for suffix in ("自治县", "自治旗", "区", "县", "市", "旗"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name[: -len(suffix)]
            short = re.sub(r"(回|满|蒙古|土家|苗|彝|壮|藏|维吾尔|布依|侗|瑶|白|哈尼|傣|黎|畲|羌|仡佬|纳西|达斡尔|"
                           r"鄂温克|朝鲜|锡伯|哈萨克|土|水|毛南|仫佬|撒拉|东乡|保安|裕固)族", "", stem)
            return short if len(short) >= 2 else stem
    return name


def _county_kind(name: str) -> str:
    """The administrative word used in leaders' titles: 区 / 县 / 市 / 旗."""
    for k in ("区", "旗", "市"):
        if name.endswith(k):
            return k
    return "县"


def _townships(code: str, name: str) -> list[str]:
    """4-8 plausible township names, deterministic per county code."""
    r = np.random.default_rng(int(code) if code.isdigit() else abs(hash(code)) % 2**32)
    k = int(r.integers(4, 9))
    district = name.endswith("区")
    out: list[str] = [] if district else ["城关镇"]
    for p in r.permutation(len(_PLACE)):
        if len(out) >= k:
            break
        place = _PLACE[p]
        u = r.random()
        if district:
            suffix = "街道" if u < 0.75 else ("镇" if u < 0.9 else "乡")
        else:
            suffix = "镇" if u < 0.6 else ("乡" if u < 0.9 else "街道")
        nm = place + suffix
        if nm not in out and not nm.startswith("城关"):
            out.append(nm)
    return out


# --- working-day calendar ------------------------------------------------------------------
def _campaigns(start: dt.date, n_days: int) -> list[Campaign]:
    """The winter campaigns (huxin.workdays.campaign_for with the rules in config/rules.toml) that overlap the
    n_days from start, oldest first."""
    rules = load_rules()
    end = start + dt.timedelta(days=n_days - 1)
    out = {}
    for y in range(start.year - 1, end.year + 1):
        c = campaign_for(dt.date(y, 3, 1), rules)          # the campaign that starts in year y (or the fixed one)
        if c.start <= end and c.deadline >= start:
            out[c.start] = c
    return [out[k] for k in sorted(out)]


# Campaign intensity: a county ramps up over _RAMP_DAYS from its mobilisation day (the official start minus its lead),
# then pushes harder as the deadline nears (up to 1 + _PUSH at the deadline); after the deadline, back to normal.
_RAMP_DAYS = 15
_PUSH = 1.0


def _first_reaching(cum: np.ndarray, row: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per element: the first day index t with cum[row, t] >= target (the last day index when never reached).

    cum is (rows, days) and non-decreasing along each row; vectorised by offsetting each row into one sorted array.
    """
    rows, days = cum.shape
    big = float(np.abs(cum).max()) * 2 + np.abs(target).max(initial=0.0) + 10.0
    flat = (cum + np.arange(rows)[:, None] * big).ravel()
    idx = np.searchsorted(flat, target + row * big - 1e-7, side="left") - row * days
    return np.clip(idx, 0, days - 1)


class _Effort:
    """Cumulative working effort per county of a chunk (rows = counties c_lo..c_hi-1), by calendar day index.

    A clue needing ``lag`` working days of normal effort closes on the first day its county's cumulative effort has
    grown by ``lag``: outside a campaign one unit per working day, during it 1 + camp_a x intensity, so the campaign
    shortens what is left of every open clue (and of every open case, per calendar day with case_a). A stuck clue
    is only cleared by the campaign: after an exponential number of full-intensity working days (backlog_tau).
    """

    def __init__(self, ctx: _Context, c_lo: int, c_hi: int):
        cal = ctx.cal
        n_days = len(cal.dates)
        day = np.arange(n_days)[None, :]
        sel = slice(c_lo, c_hi)
        g = np.zeros((c_hi - c_lo, n_days))
        for camp in cal.campaigns:
            s = (camp.start - cal.start).days
            e = (camp.deadline - cal.start).days
            ramp = np.clip((day - (s - ctx.lead[sel, None]) + 1) / _RAMP_DAYS, 0.0, 1.0)
            push = 1.0 + _PUSH * np.clip((day - s) / max(e - s, 1), 0.0, 1.0)
            g = g + np.where(day <= e, ramp * push, 0.0)
        wd = cal.workday[None, :].astype(float)
        self.c_lo = c_lo
        self.clue = np.cumsum(wd * (1.0 + ctx.camp_a[sel, None] * g), axis=1)
        self.backlog = np.cumsum(wd * g, axis=1)
        self.case = np.cumsum(1.0 + ctx.case_a[sel, None] * g, axis=1)

    def close_clues(self, county: np.ndarray, day: np.ndarray, lag: np.ndarray) -> np.ndarray:
        r = county - self.c_lo
        return _first_reaching(self.clue, r, self.clue[r, day] + lag)

    def clear_backlog(self, county: np.ndarray, day: np.ndarray, effort: np.ndarray) -> np.ndarray:
        r = county - self.c_lo
        return _first_reaching(self.backlog, r, self.backlog[r, day] + effort)

    def close_cases(self, county: np.ndarray, day: np.ndarray, lag: np.ndarray) -> np.ndarray:
        r = county - self.c_lo
        return _first_reaching(self.case, r, self.case[r, day] + lag)


class _Calendar:
    """Day indices relative to ``start``; working days from chinese_calendar where it covers the year."""

    BEFORE, AFTER = 430, 300

    def __init__(self, as_of: dt.date):
        self.start = as_of - dt.timedelta(days=self.BEFORE)
        self.asof = self.BEFORE
        n = self.BEFORE + self.AFTER
        self.dates = np.datetime64(self.start, "D") + np.arange(n)
        weekday = (self.dates.astype(np.int64) + 3) % 7          # Monday = 0
        self.weekday = weekday
        self.workday = weekday < 5
        # Years chinese_calendar does not cover are approximated by weekends only (listed in the manifest).
        self.weekends_only_years: set[int] = set()
        try:
            import chinese_calendar as cc
        except ImportError:  # pragma: no cover - chinese_calendar is a project dependency
            cc = None
        for i in range(n):
            d = self.start + dt.timedelta(days=i)
            if cc is None:
                self.weekends_only_years.add(d.year)
                continue
            try:
                self.workday[i] = cc.is_workday(d)
            except (NotImplementedError, ValueError):
                self.weekends_only_years.add(d.year)
        self.cum = np.cumsum(self.workday)
        self.campaigns = _campaigns(self.start, n)

    def add_workdays(self, day: np.ndarray, n: np.ndarray) -> np.ndarray:
        """The n-th working day after ``day`` (n ≥ 1)."""
        target = self.cum[day] + np.asarray(n)
        return np.minimum(np.searchsorted(self.cum, target, side="left"), len(self.cum) - 1)

    def workdays_between(self, a: np.ndarray, b: int | np.ndarray) -> np.ndarray:
        return self.cum[b] - self.cum[a]

    def date_str(self, day: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
        arr = pa.array(np.datetime64(self.start, "D") + np.asarray(day, dtype=np.int64), pa.date32(), mask=null)
        return pc.cast(arr, pa.string())

    def day_weights(self, days: np.ndarray) -> np.ndarray:
        """Relative number of clues received per day: seasonal around the Spring Festival."""
        dates = self.dates[days]
        d = dates.astype(np.int64)
        months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        dom = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
        years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        w = np.where((months >= 4) & (months <= 10), 0.8, 1.0)
        for y in range(int(years.min()), int(years.max()) + 2):
            sf = _spring_festival(y)
            s = np.datetime64(sf, "D").astype(np.int64)
            k = s - d                                            # days before the Spring Festival
            w = w + np.where((k > 0) & (k <= 120), 2.0 * np.exp(-(((k - 32) / 32.0) ** 2)), 0.0)
            w = np.where((k >= -6) & (k <= 1), w * 0.25, w)     # holiday week
        for camp in self.campaigns:      # winter campaign: more complaints come in as the word spreads (a week)
            k = np.datetime64(camp.festival, "D").astype(np.int64) - d
            since = d - np.datetime64(camp.start, "D").astype(np.int64)
            w = w + np.where((since >= 0) & (k > 1), 0.3 * np.minimum((since + 1) / 7.0, 1.0), 0.0)
        w = w + 0.5 * ((months == 12) & (dom >= 20))            # year-end 两清零 rush
        wd = self.weekday[days]
        w = w * np.where(wd == 5, 0.5, np.where(wd == 6, 0.4, 1.0))
        hol = (~self.workday[days]) & (wd < 5)
        w = np.where(hol, w * 0.4, w)
        return w


# --- geometry --------------------------------------------------------------------------------
def _county_points(geom, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n uniform random WGS-84 points inside the county polygon (rejection sampling from its bounds)."""
    if geom is None or n == 0 or geom.is_empty:
        return np.full(n, np.nan), np.full(n, np.nan)
    import shapely

    minx, miny, maxx, maxy = geom.bounds
    box = max((maxx - minx) * (maxy - miny), 1e-12)
    ratio = min(max(geom.area / box, 0.02), 1.0)
    shapely.prepare(geom)
    xs, ys, got = [], [], 0
    for _ in range(40):
        m = int((n - got) / ratio * 1.3) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
        if got >= n:
            break
    x, y = np.concatenate(xs)[:n], np.concatenate(ys)[:n]
    if len(x) < n:
        p = geom.representative_point()
        x = np.r_[x, np.full(n - len(x), p.x)]
        y = np.r_[y, np.full(n - len(y), p.y)]
    return x, y


def _convert_coords(lon: np.ndarray, lat: np.ndarray, system: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS-84 points expressed in their declared system (0 GCJ02, 1 BD09, 2 WGS84) with fast-geocn."""
    import fast_geocn

    lon, lat = lon.copy(), lat.copy()
    from huxin.geoserve import gcj02_to_bd09

    def wgs84_to_bd09(x: float, y: float) -> tuple[float, float]:  # fast-geocn's own BD-09 is ~25 m off
        return gcj02_to_bd09(*fast_geocn.wgs84_to_gcj02(x, y))

    for code, fn in ((0, fast_geocn.wgs84_to_gcj02), (1, wgs84_to_bd09)):
        sel = np.flatnonzero((system == code) & ~np.isnan(lon))
        if len(sel):
            ufn = np.frompyfunc(fn, 2, 2)
            a, b = ufn(lon[sel], lat[sel])
            lon[sel], lat[sel] = a.astype(float), b.astype(float)
    return lon, lat


# --- vectorised code builders ---------------------------------------------------------------
def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) uint8 matrix of the decimal digits of non-negative integers (few distinct values)."""
    u, inv = np.unique(np.asarray(values, dtype=np.int64), return_inverse=True)
    pw = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((u[:, None] // pw) % 10).astype(np.uint8)[inv.ravel()]


def _ascii_strings(mat: np.ndarray) -> pa.Array:
    """(n, w) matrix of ASCII codes -> pyarrow string array of n strings of width w (no copy per row)."""
    mat = np.ascontiguousarray(mat, dtype=np.uint8)
    n, w = mat.shape
    offsets = np.arange(0, (n + 1) * w, w, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(mat)])


_USCI_ASCII = np.frombuffer(_USCI_CHARSET.encode(), dtype=np.uint8)
# GB 11714 value of each USCI character (digits 0-9, letters A=10 .. Z=35)
_GB11714_VALUE = np.where(_USCI_ASCII >= 65, _USCI_ASCII.astype(np.int32) - 55, _USCI_ASCII.astype(np.int32) - 48)


def _credit_codes(rng: np.random.Generator, region: np.ndarray, kind: str = "91") -> pa.Array:
    """Valid unified social credit codes: kind (91 enterprise) + region + GB 11714 org code + GB 32100 check."""
    n = len(region)
    vals = np.empty((n, 18), dtype=np.uint8)                  # indices into the USCI charset
    vals[:, 0] = _USCI_CHARSET.index(kind[0])
    vals[:, 1] = _USCI_CHARSET.index(kind[1])
    vals[:, 2:8] = _digits(region, 6)
    # organisation code body: old style 8 digits, new style "MA" + 6 characters of the charset
    new_style = rng.random(n) < 0.6
    body = rng.integers(0, 10, (n, 8), dtype=np.uint8)
    ns = np.flatnonzero(new_style)
    body[ns] = rng.integers(0, 31, (len(ns), 8), dtype=np.uint8)
    body[ns, 0] = _USCI_CHARSET.index("M")
    body[ns, 1] = _USCI_CHARSET.index("A")
    vals[:, 8:16] = body
    c = 11 - (_GB11714_VALUE[body].astype(np.int32) @ _ORG_WEIGHTS.astype(np.int32)) % 11
    vals[:, 16] = np.where(c == 11, 0, np.where(c == 10, _USCI_CHARSET.index("X"), c))
    total = vals[:, :17].astype(np.int32) @ _USCI_WEIGHTS.astype(np.int32)
    vals[:, 17] = (31 - total % 31) % 31
    return _ascii_strings(_USCI_ASCII[vals])


def _id_numbers(rng: np.random.Generator, region: np.ndarray, as_of: dt.date) -> pa.Array:
    """18-digit resident ID numbers (GB 11643): region + birth date (18-60 years old) + sequence + check."""
    n = len(region)
    lo = np.datetime64(dt.date(as_of.year - 60, 1, 1), "D").astype(np.int64)
    hi = np.datetime64(dt.date(as_of.year - 18, 1, 1), "D").astype(np.int64)
    birth = (lo + rng.integers(0, hi - lo, n)).astype("datetime64[D]")
    y = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    m = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    d = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    seq = rng.integers(0, 1000, n)
    mat = np.empty((n, 18), dtype=np.uint8)
    mat[:, :6] = _digits(region, 6)
    for j, (v, p) in enumerate(((y, 1000), (y, 100), (y, 10), (y, 1), (m, 10), (m, 1), (d, 10), (d, 1),
                                (seq, 100), (seq, 10), (seq, 1))):
        mat[:, 6 + j] = (v // p) % 10
    r = (mat[:, :17].astype(np.int32) @ _ID_WEIGHTS.astype(np.int32)) % 11
    mat[:, :17] += 48
    mat[:, 17] = np.frombuffer(_ID_CHECK.encode(), dtype=np.uint8)[r]
    return _ascii_strings(mat)


def _phones(rng: np.random.Generator, n: int) -> pa.Array:
    mat = np.empty((n, 11), dtype=np.uint8)
    mat[:, 0] = ord("1")
    mat[:, 1] = np.array([3, 5, 8, 7, 9, 6, 4], dtype=np.uint8)[
        _choice(rng, n, [0.3, 0.25, 0.3, 0.06, 0.05, 0.02, 0.02])] + 48
    mat[:, 2:] = rng.integers(48, 58, (n, 9), dtype=np.uint8)
    return _ascii_strings(mat)


def _person_names(rng: np.random.Generator, n: int) -> pa.Array:
    sur = _take(_SURNAMES, _choice(rng, n, _SURNAME_P))
    g1 = _take(_GIVEN, rng.integers(0, len(_GIVEN), n))
    g2 = _take(_GIVEN, rng.integers(0, len(_GIVEN), n))
    pair = _take(_GIVEN_PAIRS, rng.integers(0, len(_GIVEN_PAIRS), n))
    u = rng.random(n)
    given = pc.if_else(pa.array(u < 0.5), _join(g1, g2), pc.if_else(pa.array(u < 0.62), pair, g1))
    return _join(sur, given)


# --- context -------------------------------------------------------------------------------
@dataclass
class _Companies:
    names: pa.Array
    codes: pa.Array            # null where blank
    gc_start: np.ndarray
    gc_len: np.ndarray
    sub_start: np.ndarray
    sub_len: np.ndarray
    ind_start: np.ndarray      # (n_counties, 6) for the non-construction industries
    ind_len: np.ndarray
    offenders: np.ndarray      # company indices of the repeat offenders
    offender_counties: list[np.ndarray]


class _Context:
    def __init__(self, counties: dict[str, str], as_of: dt.date, scale: str, seed: int, city_name: str):
        from huxin import geo

        self.as_of, self.scale, self.seed = as_of, scale, seed
        self.codes = sorted(counties)
        self.n = len(self.codes)
        if self.n == 0:
            raise ValueError("no counties given")
        self.raw_names = [counties[c] for c in self.codes]
        self.code_int = np.array([int(c) for c in self.codes], dtype=np.int64)
        try:
            cities = geo.region_names("city")
            provinces = geo.region_names("province")
        except Exception:  # noqa: BLE001 - the names are cosmetic
            cities, provinces = {}, {}

        def city_of(code: str) -> str:
            if scale == "city" and city_name:
                return city_name
            return cities.get(code[:4] + "00") or provinces.get(code[:2] + "0000") or city_name or ""

        self.city = [city_of(c) for c in self.codes]
        prov = [provinces.get(c[:2] + "0000", "") for c in self.codes]
        self.prov_short = [re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$", "", p) or city
                           for p, city in zip(prov, self.city)]
        counts: dict[str, int] = {}
        for nm in self.raw_names:
            counts[nm] = counts.get(nm, 0) + 1
        # 所属区县 as written: the full name, with the city in front where the name is ambiguous.
        self.names = [(ci + nm if counts[nm] > 1 and not nm.startswith(ci) else nm)
                      for ci, nm in zip(self.city, self.raw_names)]
        self.short = [_short_county(nm) for nm in self.raw_names]
        self.kind = [_county_kind(nm) for nm in self.raw_names]
        # Prefix for county-local company names: "开封市龙亭区" for districts, "杞县" for counties.
        self.local_prefix = [(ci + nm if (nm.endswith("区") or counts[nm] > 1) and not nm.startswith(ci) else nm)
                             for ci, nm in zip(self.city, self.raw_names)]
        self.names_pa = _s(self.names)
        self.cal = _Calendar(as_of)
        self.window = np.arange(self.cal.asof - 364, self.cal.asof + 1)
        w = self.cal.day_weights(self.window)
        self.day_p = w / w.sum()

        # townships
        town_lists = [_townships(c, nm) for c, nm in zip(self.codes, self.raw_names)]
        self.town_len = np.array([len(t) for t in town_lists], dtype=np.int64)
        self.town_start = np.r_[0, np.cumsum(self.town_len)[:-1]]
        self.towns = _s([t for ts in town_lists for t in ts])
        self.town_lists = town_lists
        self.town_gov = _s(t + ("办事处" if t.endswith("街道") else "人民政府") for ts in town_lists for t in ts)
        self.raw_names_pa = _s(self.raw_names)

        # county profiles
        rng = np.random.default_rng([seed, 1])
        perm = rng.permutation(self.n)
        n_lag = 0 if self.n < 3 else max(2, round(self.n * 0.06))
        n_ex = 0 if self.n < 3 else max(1, round(self.n * 0.03))
        self.lagging = np.zeros(self.n, bool)
        self.lagging[perm[:n_lag]] = True
        self.exemplary = np.zeros(self.n, bool)
        self.exemplary[perm[n_lag:n_lag + n_ex]] = True
        base = rng.lognormal(0.0, 0.15, self.n)
        stuck_noise = rng.lognormal(0, 0.4, self.n)
        miss_noise = rng.lognormal(0, 0.25, self.n)
        self.case_mult = np.where(self.lagging, 1.9, np.where(self.exemplary, 0.6, rng.lognormal(0, 0.15, self.n)))
        # Performance of the other counties, spread evenly from good (q = 0) to mediocre (q = 1) in the random order
        # of perm, so that every seed and scale shows a spread of offices (closing speed, staffing, how hard they
        # push in the winter campaign) rather than nine look-alikes. Calibrated on the city scale a week into the
        # campaign: the good ones on pace, the mediocre ones on the edge, the lagging ones still piling up
        # (tests/test_demo.py: test_winter_campaign_burn_down, test_league_table_spread).
        normal = perm[n_lag + n_ex:]
        q = np.zeros(self.n)
        q[normal] = (np.arange(len(normal)) + 0.5) / max(len(normal), 1)
        self.quality = np.where(self.lagging, 1.0, np.where(self.exemplary, 0.0, q))
        self.lag_mult = np.where(self.lagging, 1.5, np.where(self.exemplary, 0.55, _gerp(0.75, 1.2, q) * base ** 0.5))
        self.stuck_p = np.where(self.lagging, 0.04, np.where(self.exemplary, 0.0005,
                                                              _gerp(0.0015, 0.008, q) * stuck_noise ** 0.5))
        # missing wage-payment safeguards on projects (better-run offices enforce them better)
        self.miss_mult = np.where(self.lagging, 3.0, np.where(self.exemplary, 0.25,
                                                                _gerp(0.6, 1.6, q) * miss_noise ** 0.5))
        # share of clues that take three times as long (disputes, unreachable employers)
        self.slow_p = np.where(self.lagging, 0.06, np.where(self.exemplary, 0.006, 0.012 + 0.028 * q))
        # Winter campaign (see _Effort): extra working effort per working day on clues (camp_a) and cases
        # (case_a) at full campaign intensity, the mean number of full-intensity working days it takes to clear a
        # stuck clue (backlog_tau), and how many days before the official start the county mobilises (lead;
        # negative: it starts late).
        self.camp_a = np.where(self.lagging, 1.5, np.where(self.exemplary, 8.0, 5.0 - 3.1 * q))
        self.case_a = np.where(self.lagging, 0.6, np.where(self.exemplary, 2.5, 2.0 - 0.8 * q))
        self.backlog_tau = np.where(self.lagging, 25.0, np.where(self.exemplary, 5.0, _gerp(8.0, 30.0, q)))
        self.lead = np.where(self.lagging, -3.0, np.where(self.exemplary, 9.0, 10.0 - 4.0 * q))
        self.constr_share = np.clip(0.6 + rng.normal(0, 0.04, self.n), 0.48, 0.72)
        size = np.clip(rng.lognormal(0, 0.3, self.n), 0.6, 1.6)
        clue_w = size * np.where(self.lagging, 1.5, np.where(self.exemplary, 0.85, 1.0))
        totals = SCALES[scale]
        self.n_clues = _split_total(totals["clues"], clue_w)
        self.n_projects = np.maximum(_split_total(totals["projects"], size * rng.lognormal(0, 0.1, self.n)), 3)
        self.n_cases = _split_total(totals["cases"], clue_w * np.where(self.lagging, 1.1, 1.0))

    def county_day(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.window[_choice(rng, n, self.day_p)]


# --- companies -------------------------------------------------------------------------------
def _gen_companies(ctx: _Context) -> _Companies:
    rng = np.random.default_rng([ctx.seed, 2])
    n = ctx.n
    gc_len = np.maximum(4, np.round(ctx.n_projects * 0.45)).astype(np.int64)
    sub_len = np.maximum(6, np.round(ctx.n_projects * 1.2)).astype(np.int64)
    other = ctx.n_clues * (1 - ctx.constr_share)
    ind_len = np.maximum(3, np.round(other[:, None] * _OTHER_INDUSTRY_P[None, :] / 2.0)).astype(np.int64)
    n_off = 4 + n // 300

    # Per county: unique (brand, type) pairs in each block (an affine permutation of the combinations per
    # county, so no per-county loop), a prefix kind per company.
    type_lists = [_GC_TYPES, _SUB_TYPES] + [_IND_TYPES[i] for i in _OTHER_INDUSTRIES]
    block_len = np.concatenate([gc_len[:, None], sub_len[:, None], ind_len], axis=1)   # (n, 8)
    # offenders first (they keep their names when deduplicating)
    off_home = rng.choice(n, n_off, replace=n_off > n)
    off_brand = rng.choice(len(_BRAND), n_off, replace=False)
    off_type = rng.integers(0, 3, n_off)  # 建筑劳务 / 劳务分包 / 建筑装饰
    county_idx, brand_idx, type_idx, type_list_id = [off_home], [off_brand], [off_type], [np.full(n_off, 1)]
    for b, types in enumerate(type_lists):
        nt = len(types)
        combos = len(_BRAND) * nt
        block_len[:, b] = np.minimum(block_len[:, b], combos)
        cty = np.repeat(np.arange(n), block_len[:, b])
        i = _group_rank(cty)
        coprime = np.array([x for x in range(1, combos) if np.gcd(x, combos) == 1])
        stride = coprime[rng.integers(0, len(coprime), n)]
        offset = rng.integers(0, combos, n)
        pick = (offset[cty] + stride[cty] * i) % combos
        county_idx.append(cty)
        brand_idx.append(pick // nt)
        type_idx.append(pick % nt)
        type_list_id.append(np.full(len(cty), b))
    county_idx = np.concatenate(county_idx)
    brand_idx = np.concatenate(brand_idx)
    type_idx = np.concatenate(type_idx)
    type_list_id = np.concatenate(type_list_id)
    total = len(county_idx)
    prefix_kind = _choice(rng, total, [0.55, 0.3, 0.15])       # city / local / province
    prefix_kind[:n_off] = 2
    # type strings: flat table of all type lists
    flat_types = [t for tl in type_lists for t in tl]
    offsets = np.r_[0, np.cumsum([len(tl) for tl in type_lists])[:-1]]
    type_str = _take(flat_types, offsets[type_list_id] + type_idx)
    brand = _take(_BRAND, brand_idx)
    prefixes = _s(ctx.city + ctx.local_prefix + ctx.prov_short)                        # kind * n + county
    names = _join(_take(prefixes, prefix_kind * n + county_idx), brand, type_str)
    # de-duplicate across counties: a repeated name takes its county-local prefix (unique within the county)
    enc = names.dictionary_encode().indices.to_numpy()
    _, first = np.unique(enc, return_index=True)
    dup = np.ones(total, bool)
    dup[first] = False
    if dup.any():
        local = _join(_take(prefixes, n + county_idx), brand, type_str)
        names = pc.if_else(pa.array(dup), local, names)
    codes = _credit_codes(rng, ctx.code_int[county_idx])
    blank = rng.random(total) < np.where(type_list_id >= 2, 0.09, 0.05)
    blank[:n_off] = False
    codes = _null_where(codes, blank)

    starts = np.cumsum(np.r_[n_off, block_len.T.ravel()])[:-1].reshape(block_len.shape[1], n).T  # (n, 8)
    off_counties = []
    for i in range(n_off):
        k = int(min(n, rng.integers(3, 9)))
        cs = rng.choice(n, k, replace=False)
        if ctx.lagging.any() and i < 2:                       # the worst ones work in lagging counties
            cs[0] = np.flatnonzero(ctx.lagging)[i % int(ctx.lagging.sum())]
        off_counties.append(np.unique(np.r_[cs, off_home[i]]))
    return _Companies(names=names, codes=codes, gc_start=starts[:, 0], gc_len=block_len[:, 0],
                      sub_start=starts[:, 1], sub_len=block_len[:, 1], ind_start=starts[:, 2:],
                      ind_len=block_len[:, 2:], offenders=np.arange(n_off), offender_counties=off_counties)


# --- projects ------------------------------------------------------------------------------
@dataclass
class _Projects:
    table: pa.Table | None
    ids: pa.Array
    county: np.ndarray
    start: np.ndarray           # per county: first project index
    count: np.ndarray
    weight_key: np.ndarray      # county index + normalised cumulative weight (for vectorised sampling)
    contractor: np.ndarray
    sub: np.ndarray
    town: np.ndarray
    investment: np.ndarray
    sector: np.ndarray
    problem: np.ndarray


def _gen_projects(ctx: _Context, comp: _Companies, county: np.ndarray, seq: np.ndarray,
                  rng: np.random.Generator, sector_p=(0.80, 0.12, 0.08), with_weights: bool = True) -> dict:
    """Project columns (as pyarrow arrays keyed by canonical header) plus helper arrays."""
    n = len(county)
    as_of = ctx.cal.asof
    width = max(4, len(str(int(seq.max()) if n else 1)))
    ids = _join("XM", _take(ctx.codes, county), "-", _lpad(seq, width))
    sector = _choice(rng, n, sector_p)
    inv_p = np.array([[0.22, 0.14, 0.05, 0.59], [0.55, 0.30, 0.10, 0.05], [0.60, 0.30, 0.07, 0.03]])
    inv = np.empty(n, dtype=np.int64)
    for s in range(3):
        sel = sector == s
        inv[sel] = _choice(rng, int(sel.sum()), inv_p[s])
    lag = ctx.lagging[county]
    stop_p = np.where(lag, 0.14, 0.06)
    status = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    status[:] = 0
    status[u < 0.14 + 0.06] = 3                       # 未开工
    status[u < 0.14] = 2                              # 竣工
    status[(u >= 0.20) & (u < 0.20 + stop_p)] = 1     # 停工
    # popularity weight: heavy tail, a few problem projects
    w = np.minimum(rng.lognormal(0.0, 0.8, n), 8.0) * np.array([1.0, 1.5, 0.6, 0.05])[status]
    problem = np.zeros(n, bool)
    if with_weights and n:
        n_prob = max(3, round(n * 0.008))
        cand = np.flatnonzero(status <= 1)
        bias = np.where(lag[cand], 3.0, 1.0)
        pick = rng.choice(cand, min(n_prob, len(cand)), replace=False, p=bias / bias.sum())
        problem[pick] = True
        w[pick] = rng.uniform(10, 25, len(pick))
        status[pick[rng.random(len(pick)) < 0.4]] = 1
    # names
    town = _segment_pick(rng, ctx.town_start[county], ctx.town_len[county])
    town_short = pc.replace_substring_regex(_take(ctx.towns, town), pattern="(镇|乡|街道)$", replacement="")
    place_kind = rng.random(n)
    place = pc.if_else(pa.array(place_kind < 0.45), town_short,
                       _take(_PROJECT_PLACE, rng.integers(0, len(_PROJECT_PLACE), n)))
    private_place = _join(_take(_BRAND, rng.integers(0, len(_BRAND), n)),
                          _take(("苑", "府", "园", "华府", "城", "雅居"), rng.integers(0, 6, n)))
    kind_pub = _take(_KIND_PUBLIC, rng.integers(0, len(_KIND_PUBLIC), n))
    kind_priv = _take(_KIND_PRIVATE, rng.integers(0, len(_KIND_PRIVATE), n))
    kind_tr = _take(_KIND_TRANSPORT, rng.integers(0, len(_KIND_TRANSPORT), n))
    kind_wa = _take(_KIND_WATER, rng.integers(0, len(_KIND_WATER), n))
    is_priv = pa.array((inv == 3) & (sector == 0))
    kind = pc.if_else(pa.array(sector == 1), kind_tr, pc.if_else(pa.array(sector == 2), kind_wa,
                                                                  pc.if_else(is_priv, kind_priv, kind_pub)))
    place = pc.if_else(is_priv, pc.if_else(pa.array(place_kind < 0.7), private_place, place), place)
    phase = _take(_PHASES, _choice(rng, n, _PHASE_P))
    city = _take(ctx.city, county)
    raw = _take(ctx.raw_names, county)
    name = _join(city, raw, place, kind, phase)
    # builder (建设单位)
    local = _take(ctx.local_prefix, county)
    gov_unit = pc.if_else(pa.array(sector == 1), pa.scalar("交通运输局"),
                          pc.if_else(pa.array(sector == 2), pa.scalar("水利局"),
                                     _take(_GOV_BUILDERS_HOUSING, rng.integers(0, len(_GOV_BUILDERS_HOUSING), n))))
    gov = _join(raw, gov_unit)
    soe = _join(city, _take(_SOE_BUILDERS, rng.integers(0, len(_SOE_BUILDERS), n)))
    ppp = _join(raw, place, _take(("项目管理有限公司", "建设发展有限公司", "投资建设有限公司"), rng.integers(0, 3, n)))
    priv = _join(local, _take(_BRAND, rng.integers(0, len(_BRAND), n)),
                 _take(_PRIVATE_BUILDER, rng.integers(0, len(_PRIVATE_BUILDER), n)))
    builder = pc.if_else(pa.array(inv == 0), gov, pc.if_else(pa.array(inv == 1), soe,
                                                             pc.if_else(pa.array(inv == 2), ppp, priv)))
    contractor = _segment_pick(rng, comp.gc_start[county], comp.gc_len[county])
    sub = _segment_pick(rng, comp.sub_start[county], comp.sub_len[county])
    med = np.array([12000.0, 20000.0, 50000.0, 8000.0])[inv] * np.array([1.0, 1.8, 1.3])[sector]
    amount = np.clip(np.round(med * rng.lognormal(0, 0.9, n), 2), 150, 800000)
    start_day = np.where(status == 2, as_of - rng.integers(400, 1500, n), as_of - rng.integers(20, 1000, n))
    start_null = status == 3
    workers = np.where(status == 0, np.clip(np.round(rng.lognormal(np.log(80), 0.8, n)), 5, 1500),
                       np.where(status == 1, rng.integers(0, 9, n), 0)).astype(np.int64)
    # coordinates: one point per project inside its county polygon
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    from huxin import geo
    present = np.unique(county)
    geoms = geo.county_geometries([ctx.codes[c] for c in present])
    order = np.argsort(county, kind="stable")
    bounds = np.searchsorted(county[order], present, side="left")
    bounds = np.r_[bounds, n]
    for i, c in enumerate(present):
        rows = order[bounds[i]:bounds[i + 1]]
        x, y = _county_points(geoms.get(ctx.codes[c]), len(rows), rng)
        lon[rows], lat[rows] = x, y
    system = _choice(rng, n, [0.70, 0.15, 0.15])
    no_coord = (rng.random(n) < 0.02) | np.isnan(lon)
    lon, lat = _convert_coords(lon, lat, system)
    lon_s = _null_where(pc.cast(pa.array(np.round(np.nan_to_num(lon), 6)), pa.string()), no_coord)
    lat_s = _null_where(pc.cast(pa.array(np.round(np.nan_to_num(lat), 6)), pa.string()), no_coord)
    sys_s = _null_where(_take(_COORD_LABELS, system), no_coord)
    # safeguards: missing more often on projects with many expected clues and in lagging counties
    cnt = np.bincount(county, minlength=ctx.n)
    wsum = np.bincount(county, weights=w, minlength=ctx.n)
    rho = w * cnt[county] / np.maximum(wsum[county], 1e-9)
    mult = ctx.miss_mult[county] * np.clip(0.6 + 0.4 * rho, 0.6, 5.0)
    base = {"实名制管理": 0.04, "工资专用账户": 0.06, "总包代发": 0.09, "维权信息公示牌": 0.05,
            "工程款支付担保": 0.22, "按月足额支付": 0.10}
    cols_yn = {}
    for col, p in base.items():
        missing = rng.random(n) < np.minimum(p * mult, 0.9)
        cols_yn[col] = missing
    dep_missing = rng.random(n) < np.minimum(0.05 * mult, 0.85)
    dep = np.where(dep_missing, 3, _choice(rng, n, [0.42, 0.46, 0.12]))
    # roster update date
    stale = rng.random(n) < np.minimum(0.06 * mult, 0.8)
    recent = rng.geometric(0.3, n) - 1
    upd = np.where(stale, as_of - rng.integers(10, 90, n), as_of - np.minimum(recent, 29))
    upd = np.where(status == 1, as_of - rng.integers(15, 120, n), upd)
    upd = np.where(status == 2, np.maximum(as_of - rng.integers(30, 400, n), start_day), upd)
    upd_null = (status == 3) | cols_yn["实名制管理"]
    yn = {col: pc.if_else(pa.array(m), pa.scalar(_NO), pa.scalar(_YES)) for col, m in cols_yn.items()}
    columns = {
        "项目编号": ids, "项目名称": name, "所属区县": _take(ctx.names_pa, county),
        "所属乡镇": _take(ctx.towns, town), "行业主管部门": _take(SECTORS, sector), "投资类型": _take(_INV_LABELS, inv),
        "建设单位": builder, "施工总承包单位": comp.names.take(pa.array(contractor)),
        "合同金额（万元）": pc.cast(pa.array(amount), pa.string()),
        "开工日期": ctx.cal.date_str(start_day, start_null), "项目状态": _take(_PROJ_STATUS_LABELS, status),
        "在场人数": _ints(workers), "经度": lon_s, "纬度": lat_s, "坐标系": sys_s,
        "实名制管理": yn["实名制管理"], "工资专用账户": yn["工资专用账户"], "总包代发": yn["总包代发"],
        "工资保证金": _take(_DEPOSIT_LABELS, dep), "维权信息公示牌": yn["维权信息公示牌"],
        "工程款支付担保": yn["工程款支付担保"], "按月足额支付": yn["按月足额支付"],
        "实名制更新日期": ctx.cal.date_str(upd, upd_null),
    }
    assert list(columns) == list(PROJECT_HEADERS)
    return {"columns": columns, "ids": ids, "weight": w, "contractor": contractor, "sub": sub, "town": town,
            "investment": inv, "sector": sector, "problem": problem, "status": status,
            "start_day": start_day, "start_null": start_null, "upd": upd, "upd_null": upd_null}


def _build_projects(ctx: _Context, comp: _Companies) -> _Projects:
    rng = np.random.default_rng([ctx.seed, 3])
    county = np.repeat(np.arange(ctx.n), ctx.n_projects)
    seq = _group_rank(county) + 1
    p = _gen_projects(ctx, comp, county, seq, rng)
    table = pa.table(p["columns"])
    start = np.r_[0, np.cumsum(ctx.n_projects)[:-1]]
    w = p["weight"]
    cw = np.cumsum(w)
    county_total = np.bincount(county, weights=w, minlength=ctx.n)
    before = np.r_[0, np.cumsum(county_total)[:-1]]
    key = county + (cw - before[county]) / county_total[county]
    return _Projects(table=table, ids=p["ids"], county=county, start=start, count=ctx.n_projects, weight_key=key,
                     contractor=p["contractor"], sub=p["sub"], town=p["town"], investment=p["investment"],
                     sector=p["sector"], problem=p["problem"])


def _pick_projects(rng: np.random.Generator, proj: _Projects, county: np.ndarray) -> np.ndarray:
    """A project of the same county, drawn by popularity weight (vectorised)."""
    u = rng.random(len(county)) * 0.999999
    idx = np.searchsorted(proj.weight_key, county + u, side="left")
    return np.clip(idx, proj.start[county], proj.start[county] + proj.count[county] - 1)


# --- clues ---------------------------------------------------------------------------------
def _gen_clues(ctx: _Context, comp: _Companies, proj: _Projects, c_lo: int, c_hi: int,
               rng: np.random.Generator, effort: _Effort) -> tuple[pa.Table, dict]:
    cal = ctx.cal
    counts = ctx.n_clues[c_lo:c_hi]
    county = np.repeat(np.arange(c_lo, c_hi), counts)
    n = len(county)
    day = ctx.county_day(rng, n)
    order = np.lexsort((day, county))
    day = day[order]
    seq = _group_rank(county) + 1
    ids = _join("XS", _take(ctx.codes, county), "-", _lpad(seq, max(6, len(str(int(counts.max()))))))
    constr = rng.random(n) < ctx.constr_share[county]
    industry = np.where(constr, 0, 1 + _choice(rng, n, _OTHER_INDUSTRY_P))
    linked = constr & (rng.random(n) < _LINKED_P)
    project = np.full(n, -1, dtype=np.int64)
    project[linked] = _pick_projects(rng, proj, county[linked])
    # employers
    emp = np.empty(n, dtype=np.int64)
    r = rng.random(n)
    li = np.flatnonzero(linked)
    emp[li] = np.where(r[li] < 0.3, proj.contractor[project[li]],
                       np.where(r[li] < 0.85, proj.sub[project[li]],
                                _segment_pick(rng, comp.sub_start[county[li]], comp.sub_len[county[li]])))
    ul = np.flatnonzero(constr & ~linked)
    emp[ul] = _segment_pick(rng, comp.sub_start[county[ul]], comp.sub_len[county[ul]])
    oi = np.flatnonzero(~constr)
    j = industry[oi] - 1
    emp[oi] = _segment_pick(rng, comp.ind_start[county[oi], j], comp.ind_len[county[oi], j])
    # repeat offenders: ~1.2 % of all clues, on construction clues of their counties
    n_off = len(comp.offenders)
    share = rng.dirichlet(np.ones(n_off) * 2.0)
    for i in range(n_off):
        cs = comp.offender_counties[i]
        eligible_total = float((ctx.n_clues[cs] * ctx.constr_share[cs] * _LINKED_P).sum())
        q = min(0.35, 0.012 * ctx.n_clues.sum() * share[i] / max(eligible_total, 1.0))
        hit = linked & np.isin(county, cs) & (rng.random(n) < q)
        emp[hit] = comp.offenders[i]
    town = np.where(linked, proj.town[np.maximum(project, 0)],
                    _segment_pick(rng, ctx.town_start[county], ctx.town_len[county]))
    source = _choice(rng, n, _SOURCE_P)
    # workers and amounts (long-tailed)
    big = rng.random(n) < np.where(constr, 0.05, 0.012)
    workers = np.where(big, np.round(np.exp(rng.uniform(np.log(30), np.log(200), n))),
                       np.clip(np.round(rng.lognormal(np.where(constr, 1.2, 0.7), 0.8, n)), 1, 29)).astype(np.int64)
    per_capita = rng.lognormal(np.where(constr, np.log(11000), np.log(7000)) - np.where(big, 0.6, 0.0), 0.55, n)
    amount = _round_money(rng, workers * per_capita)
    # closing: lag = working days of normal effort the clue needs (the county's speed); the winter campaign
    # shortens it (_Effort); a stuck clue waits for a campaign to clear it
    lag = np.ceil(rng.lognormal(np.log(7.0), 0.45, n) * ctx.lag_mult[county]).astype(np.int64)
    slow = rng.random(n) < ctx.slow_p[county]
    lag = np.clip(np.where(slow, lag * 3, lag), 1, 150)
    closed_day = effort.close_clues(county, day, lag)
    age_days = cal.asof - day
    stuck = rng.random(n) < ctx.stuck_p[county] * np.where(age_days < 150, 1.0, 0.25)
    cleared = effort.clear_backlog(county, day, np.maximum(rng.exponential(ctx.backlog_tau[county]), 0.5))
    closed_day = np.where(stuck, cleared, closed_day)
    returned = rng.random(n) < 0.01
    closed = (closed_day <= cal.asof) & ~returned
    wd_age = cal.workdays_between(day, cal.asof)
    status = np.where(returned, 3, np.where(closed, 2, np.where(wd_age <= 1, 0, 1)))
    verdict = np.where(constr, _choice(rng, n, _VERDICT_P_CONSTR), _choice(rng, n, _VERDICT_P_OTHER))
    rw = np.zeros(n, dtype=np.int64)
    ra = np.zeros(n, dtype=np.int64)
    full = verdict == 0
    part = rng.uniform(0.8, 1.0, n)
    rw[full] = workers[full]
    ra[full] = np.where(rng.random(int(full.sum())) < 0.85, amount[full],
                        np.round(amount[full] * part[full] / 10) * 10)
    partial = verdict == 1
    rw[partial] = np.floor(workers[partial] * rng.uniform(0, 0.6, int(partial.sum())))
    ra[partial] = np.round(amount[partial] * rng.uniform(0, 0.5, int(partial.sum())) / 10) * 10
    dispute = (verdict == 2) | (verdict == 3)
    some = dispute & (rng.random(n) < 0.2)
    rw[some] = np.floor(workers[some] * 0.5)
    ra[some] = np.round(amount[some] * rng.uniform(0.1, 0.4, int(some.sum())) / 10) * 10
    open_ = ~closed
    ra = np.minimum(ra, amount)
    rw = np.minimum(rw, workers)
    # complainant (personal data)
    name_null = rng.random(n) < 0.03
    phone_null = rng.random(n) < 0.05
    id_null = rng.random(n) < 0.22
    employer_names = comp.names.take(pa.array(emp))
    employer_codes = comp.codes.take(pa.array(emp))
    columns = {
        "线索编号": ids,
        "来源渠道": _take(CLUE_SOURCES, source),
        "反映时间": cal.date_str(day),
        "所属区县": _take(ctx.names_pa, county),
        "所属乡镇": _take(ctx.towns, town),
        "行业领域": _take(INDUSTRIES, industry),
        "被反映单位": employer_names,
        "统一社会信用代码": employer_codes,
        "项目编号": _null_where(proj.ids.take(pa.array(np.maximum(project, 0))), ~linked),
        "涉及人数": _ints(workers),
        "涉及金额（元）": _ints(amount),
        "办理状态": _take(_STATUS_LABELS, status),
        "核处结论": _null_where(_take(VERDICTS, verdict), open_),
        "办结时间": cal.date_str(closed_day, open_),
        "解决人数": _ints(rw, open_),
        "解决金额（元）": _ints(ra, open_),
        "反映人": _null_where(_person_names(rng, n), name_null),
        "联系电话": _null_where(_phones(rng, n), phone_null),
        "身份证号": _null_where(_id_numbers(rng, ctx.code_int[county], ctx.as_of), id_null),
    }
    assert list(columns) == list(CLUE_HEADERS)
    aux = {"ids": ids, "county": county, "day": day, "project": project, "emp": emp, "workers": workers,
           "amount": amount, "status": status, "verdict": verdict, "closed": closed, "closed_day": closed_day}
    return pa.table(columns), aux


# --- cases ---------------------------------------------------------------------------------
def _gen_cases(ctx: _Context, comp: _Companies, proj: _Projects, clues: dict, c_lo: int, c_hi: int,
               rng: np.random.Generator, seq0: int, effort: _Effort) -> pa.Table:
    cal = ctx.cal
    want = ctx.n_cases[c_lo:c_hi]
    # cases arising from clues: eligible = clues (closed or in progress) whose verification finds the arrears real
    # (属实; an open clue's verdict is drawn but not written), so cases arise at the same rate whether or not the
    # clue is closed by as_of
    st, vd = clues["status"], clues["verdict"]
    eligible = np.flatnonzero(((st == 2) | (st == 1)) & (vd <= 1))
    open_day = cal.add_workdays(clues["day"][eligible], rng.integers(1, 16, len(eligible)))
    exists = open_day <= cal.asof                 # a case to be opened after as_of is not in the ledger yet
    eligible, open_day = eligible[exists], open_day[exists]
    key = rng.random(len(eligible)) / (1.0 + clues["workers"][eligible] / 10.0)
    ec = clues["county"][eligible]
    order = np.lexsort((key, ec))
    eligible, ec, open_day = eligible[order], ec[order], open_day[order]
    rank = _group_rank(ec)
    from_clue_want = np.round(want * 0.6).astype(np.int64)
    pick = rank < from_clue_want[ec - c_lo]
    chosen, day1 = eligible[pick], open_day[pick]
    n1 = len(chosen)
    got = np.bincount(clues["county"][chosen] - c_lo, minlength=c_hi - c_lo)
    n_other = np.maximum(want - got, 0)
    county2 = np.repeat(np.arange(c_lo, c_hi), n_other)
    n2 = len(county2)
    # from clues
    c1 = clues["county"][chosen]
    proj1 = clues["project"][chosen]
    emp1 = clues["emp"][chosen]
    w1 = np.where(rng.random(n1) < 0.9, clues["workers"][chosen],
                  np.maximum(1, np.floor(clues["workers"][chosen] * rng.uniform(0.5, 1, n1)))).astype(np.int64)
    a1 = np.where(rng.random(n1) < 0.85, clues["amount"][chosen],
                  _round_money(rng, clues["amount"][chosen] * rng.uniform(0.6, 1.0, n1)))
    clue_done = (clues["status"][chosen] == 2) & (clues["verdict"][chosen] == 0)
    # not from clues
    day2 = ctx.county_day(rng, n2)
    constr2 = rng.random(n2) < 0.65
    proj2 = np.full(n2, -1, dtype=np.int64)
    proj2[constr2] = _pick_projects(rng, proj, county2[constr2])
    emp2 = np.empty(n2, dtype=np.int64)
    ci = np.flatnonzero(constr2)
    emp2[ci] = np.where(rng.random(len(ci)) < 0.4, proj.contractor[proj2[ci]], proj.sub[proj2[ci]])
    oi = np.flatnonzero(~constr2)
    j = _choice(rng, len(oi), _OTHER_INDUSTRY_P)
    emp2[oi] = _segment_pick(rng, comp.ind_start[county2[oi], j], comp.ind_len[county2[oi], j])
    big = rng.random(n2) < 0.1
    w2 = np.where(big, np.round(np.exp(rng.uniform(np.log(30), np.log(250), n2))),
                  np.clip(np.round(rng.lognormal(1.6, 0.8, n2)), 1, 29)).astype(np.int64)
    a2 = _round_money(rng, w2 * rng.lognormal(np.log(10000), 0.6, n2))
    # combine and order by opening date within county
    county = np.r_[c1, county2]
    day = np.r_[day1, day2]
    project = np.r_[proj1, proj2]
    emp = np.r_[emp1, emp2]
    workers = np.r_[w1, w2]
    owed = np.r_[a1, a2]
    clue_idx = np.r_[chosen, np.full(n2, -1)]
    quick = np.r_[clue_done, np.zeros(n2, bool)]
    order = np.lexsort((day, county))
    county, day, project, emp, workers, owed, clue_idx, quick = (
        a[order] for a in (county, day, project, emp, workers, owed, clue_idx, quick))
    n = len(county)
    # stage
    lag = np.round(rng.lognormal(np.where(quick, np.log(18), np.log(38)), 0.7, n) * ctx.case_mult[county])
    lag = np.maximum(lag, 1).astype(np.int64)
    closed_day = effort.close_cases(county, day, lag)
    closed = closed_day <= cal.asof
    age = cal.asof - day
    open_stage = np.where(age < 7, 0, 1 + _choice(rng, n, [0.36, 0.30, 0.10, 0.12]))
    open_stage = np.where((age >= 7) & (rng.random(n) < 0.12), 0, open_stage)
    stage = np.where(closed, 5, open_stage)
    paid = np.where(closed, owed, np.where(rng.random(n) < 0.35, 0,
                                           np.round(owed * rng.uniform(0.1, 0.9, n) / 10) * 10)).astype(np.int64)
    paid = np.minimum(paid, owed)
    due = cal.add_workdays(day, np.full(n, 30))
    # escalation: exact shares, preferring big and open cases
    boost = 1 + 2.0 * (owed >= 500_000) + 1.0 * (workers >= 30) + 1.0 * ~closed
    score = rng.random(n) / boost
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(score, kind="stable")] = np.arange(n)
    sup = np.full(n, -1)
    n_tf, n_lead, n_flag = round(n * 0.01), round(n * 0.02), round(n * 0.05)
    sup[rank < n_tf + n_lead + n_flag] = 0
    sup[rank < n_tf + n_lead] = 1
    sup[rank < n_tf] = 2
    kind_idx = np.array(["区县市旗".index(k) for k in ctx.kind])[county]
    title_idx = rng.integers(0, 2, n)
    titles = [f"{pre}{k}长" for k in "区县市旗" for pre in ("常务副", "", "副")]
    title = _take(titles, kind_idx * 3 + np.where(sup == 2, title_idx, 2))
    title = pc.if_else(pa.array((sup == 0) & (title_idx == 1)), _join(_take(ctx.raw_names_pa, county), "人社局局长"),
                       title)
    leader = _join(title, " ", _take(_SURNAMES, _choice(rng, n, _SURNAME_P)), "某某")
    sector = np.where(project >= 0, proj.sector[np.maximum(project, 0)], -1)
    housing = (sector == 0) & (rng.random(n) < 0.4)
    unit_word = np.where(sector == 1, 1, np.where(sector == 2, 2, np.where(housing, 3, 0)))
    unit_word = np.where(sup == 2, 4, unit_word)
    unit = _join(_take(ctx.raw_names_pa, county), _take(("人社局", "交通运输局", "水利局", "住建局", "根治欠薪专案组"), unit_word))
    town_gov = _take(ctx.town_gov, _segment_pick(rng, ctx.town_start[county], ctx.town_len[county]))
    unit = pc.if_else(pa.array((sup == 1) & (rng.random(n) < 0.3)), town_gov, unit)
    esc = sup >= 0
    police = (stage == 3) | (closed & (rng.random(n) < 0.02))
    offender = np.isin(emp, comp.offenders)
    black = rng.random(n) < np.where(offender, 0.25, np.where((stage == 3) | (stage == 4), 0.2, 0.01))
    year = cal.dates[day].astype("datetime64[Y]").astype(np.int64) + 1970
    ids = _join("AJ", pc.cast(pa.array(year), pa.string()), "-", _lpad(seq0 + np.arange(n) + 1, 6))
    columns = {
        "案件编号": ids,
        "线索编号": _null_where(clues["ids"].take(pa.array(np.maximum(clue_idx, 0))), clue_idx < 0),
        "项目编号": _null_where(proj.ids.take(pa.array(np.maximum(project, 0))), project < 0),
        "所属区县": _take(ctx.names_pa, county),
        "用人单位": comp.names.take(pa.array(emp)),
        "立案日期": cal.date_str(day),
        "欠薪人数": _ints(workers),
        "欠薪金额（元）": _ints(owed),
        "已支付金额（元）": _ints(paid),
        "案件状态": _take(_STAGE_LABELS, stage),
        "督办级别": _null_where(_take(_SUPERVISION_LABELS, np.maximum(sup, 0)), ~esc),
        "包案领导": _null_where(leader, ~esc),
        "责任单位": _null_where(unit, ~esc),
        "办结时限": cal.date_str(due),
        "结案日期": cal.date_str(closed_day, ~closed),
        "移送公安": pc.if_else(pa.array(police), pa.scalar(_YES), pa.scalar(_NO)),
        "列入黑名单": pc.if_else(pa.array(black), pa.scalar(_YES), pa.scalar(_NO)),
    }
    assert list(columns) == list(CASE_HEADERS)
    return pa.table(columns)


# --- writers -------------------------------------------------------------------------------
class _Sink:
    """Appends pyarrow tables to one ledger file (CSV via pyarrow, or xlsx via xlsxwriter)."""

    def __init__(self, path: Path, fmt: str, headers: list[str], sheet: str, as_of: dt.date):
        self.path, self.fmt, self.headers, self.rows = path, fmt, headers, 0
        self._csv = None
        if fmt == "xlsx":
            import xlsxwriter

            self._wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
            self._wb.set_properties({"created": dt.datetime.combine(as_of, dt.time(8, 0)), "author": "治欠办"})
            self._ws = self._wb.add_worksheet(sheet)
            head = self._wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
            self._ws.freeze_panes(1, 0)
            for i, h in enumerate(headers):
                self._ws.set_column(i, i, max(10, min(40, 2 * len(h) + 4)))
            self._ws.write_row(0, 0, headers, head)
            self._r = 1

    def write(self, table: pa.Table) -> None:
        assert table.column_names == self.headers
        self.rows += table.num_rows
        if self.fmt == "csv":
            if self._csv is None:
                self._csv = pacsv.CSVWriter(str(self.path), table.schema,
                                            write_options=pacsv.WriteOptions(quoting_style="needed"))
            self._csv.write_table(table)
            return
        cols = [c.to_pylist() for c in table.columns]
        ws, r = self._ws, self._r
        for row in zip(*cols):
            ws.write_row(r, 0, row)
            r += 1
        self._r = r

    def close(self) -> None:
        if self.fmt == "csv":
            if self._csv is not None:
                self._csv.close()
        else:
            self._wb.close()


# --- the messy files (city scale) -----------------------------------------------------------
def _fmt_date(rng: np.random.Generator, d: dt.date, style: int) -> str:
    if style == 0:
        return f"{d.year}/{d.month}/{d.day}"
    if style == 1:
        return f"{d.year}.{d.month:02d}.{d.day:02d}"
    if style == 2:
        return f"{d.year}年{d.month}月{d.day}日"
    if style == 3:
        return d.strftime("%Y%m%d")
    if style == 4:
        return f"{d.isoformat()} {int(rng.integers(8, 19)):02d}:{int(rng.integers(0, 60)):02d}"
    return f"{d.year}/{d.month}/{d.day} {int(rng.integers(8, 19))}:{int(rng.integers(0, 60)):02d}:00"


def _fmt_amount(value: int, style: int) -> str:
    if value == 0:
        return "0"
    if style == 1:
        return f"{value:,}"
    if style == 2:
        return f"{(Decimal(value) / Decimal(10000)).normalize():f}万"
    if style == 3:
        return f"{value}.00"
    return str(value)


def _write_12345(ctx: _Context, comp: _Companies, proj: _Projects, path: Path) -> dict:
    """The GBK 12345 back-fill file with its deliberate defects (see the module docstring)."""
    rng = np.random.default_rng([ctx.seed, 9])
    cal = ctx.cal
    n = 60
    county = rng.integers(0, ctx.n, n)
    day = cal.asof - rng.integers(0, 45, n)
    constr = rng.random(n) < 0.6
    project = np.where(constr, _pick_projects(rng, proj, county), -1)
    emp = np.where(constr, proj.sub[np.maximum(project, 0)],
                   _segment_pick(rng, comp.ind_start[county, 0], comp.ind_len[county, 0]))
    industry = np.where(constr, 0, 1)
    workers = np.clip(np.round(rng.lognormal(1.2, 0.8, n)), 1, 60).astype(np.int64)
    amount = (np.round(workers * rng.lognormal(np.log(9000), 0.5, n) / 1000) * 1000).astype(np.int64)
    amount = np.maximum(amount, 1000)
    lag = np.ceil(rng.lognormal(np.log(5), 0.4, n)).astype(np.int64)
    closed_day = _Effort(ctx, 0, ctx.n).close_clues(county, day, lag)
    closed = closed_day <= cal.asof
    bad_rows = rng.choice(np.flatnonzero(closed), 3, replace=False)   # rows that get a defect
    bad_kind = {int(bad_rows[0]): "missing_employer", int(bad_rows[1]): "unknown_county",
                int(bad_rows[2]): "closed_without_date"}
    reasons = {"missing_employer": "被反映单位为空", "unknown_county": "所属地区“火星区”不存在",
               "closed_without_date": "已办结但无办结时间"}
    names = _person_names(rng, n).to_pylist()
    phones = _phones(rng, n).to_pylist()
    idn = _id_numbers(rng, ctx.code_int[county], ctx.as_of).to_pylist()
    emp_names = comp.names.take(pa.array(emp)).to_pylist()
    emp_codes = comp.codes.take(pa.array(emp)).to_pylist()
    proj_ids = proj.ids.take(pa.array(np.maximum(project, 0))).to_pylist()
    towns = ctx.towns.to_pylist()
    head = list(CLUE_HEADERS)
    rename = {"反映时间": "受理时间", "所属区县": "所属地区", "涉及金额（元）": "涉及金额 (元)",
              "解决金额（元）": "解决金额 (元)"}
    header = [rename.get(h, h) for h in head]
    rows: list[list[str]] = []
    valid_workers = valid_amount = 0
    bad_list = []
    # deliberate whitespace defects at fixed counts: line breaks in two employer cells, full-width spaces
    good = np.setdiff1d(np.arange(n), bad_rows)
    picks = rng.permutation(good)
    line_break, wide_emp, wide_county = set(picks[:2].tolist()), set(picks[2:5].tolist()), set(picks[5:11].tolist())
    for i in range(n):
        c = int(county[i])
        d = (cal.dates[day[i]]).astype(dt.date)
        style = int(rng.integers(0, 6))
        cstyle = int(rng.integers(0, 3))
        county_cell = (ctx.codes[c], ctx.short[c], ctx.names[c])[cstyle]
        if i in wide_county:
            county_cell = "　" + county_cell + "　"
        employer = emp_names[i]
        if i in line_break:
            k = max(2, len(employer) - 4)
            employer = employer[:k] + "\n" + employer[k:]
        elif i in wide_emp:
            employer = employer + "　"
        person = names[i]
        if len(person) == 2 and rng.random() < 0.5:
            person = person[0] + "　" + person[1]
        is_closed = bool(closed[i])
        v = int(_choice(rng, 1, _VERDICT_P_CONSTR if constr[i] else _VERDICT_P_OTHER)[0]) if is_closed else -1
        rw = int(workers[i]) if v == 0 else 0
        ra = int(amount[i]) if v == 0 else 0
        cd = cal.dates[closed_day[i]].astype(dt.date)
        status = "已办结" if is_closed else ("签收" if cal.workdays_between(day[i], cal.asof) <= 1 else "办理中")
        row = [
            f"BL12345-{i + 1:04d}", "12345热线", _fmt_date(rng, d, style), county_cell, towns[
                int(_segment_pick(rng, ctx.town_start[[c]], ctx.town_len[[c]])[0])],
            INDUSTRIES[int(industry[i])], employer, emp_codes[i] or "", proj_ids[i] if project[i] >= 0 else "",
            str(int(workers[i])), _fmt_amount(int(amount[i]), int(rng.integers(0, 4))), status,
            VERDICTS[v] if is_closed else "", _fmt_date(rng, cd, int(rng.integers(0, 6))) if is_closed else "",
            str(rw) if is_closed else "", _fmt_amount(ra, int(rng.integers(0, 4))) if is_closed else "",
            person, phones[i], idn[i] if rng.random() < 0.7 else "",
        ]
        kind = bad_kind.get(i)
        if kind == "missing_employer":
            row[6] = ""
            row[7] = ""
        elif kind == "unknown_county":
            row[3] = "火星区"
        elif kind == "closed_without_date":
            row[13] = ""
        if kind:
            bad_list.append({"clue_id": row[0], "defect": kind, "reason": reasons[kind]})
        else:
            valid_workers += int(workers[i])
            valid_amount += int(amount[i])
        rows.append(row)
    total_workers = int(workers.sum())
    total_amount = int(amount.sum())
    blank_at = 30
    out_rows = rows[:blank_at] + [[""] * len(header)] + rows[blank_at:]
    summary = ["合计"] + [""] * (len(header) - 1)
    summary[9] = str(total_workers)
    summary[10] = f"{total_amount:,}"
    out_rows.append(summary)
    d = ctx.as_of
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow([f"{ctx.city[0]}根治欠薪线索台账（12345补录）"] + [""] * (len(header) - 1))
        w.writerow([f"填报单位：市治欠办  填报日期：{d.year}年{d.month}月{d.day}日"] + [""] * (len(header) - 1))
        w.writerow(header)
        w.writerows(out_rows)
    return {"file": path.name, "ledger": "clues", "format": "csv", "encoding": "gbk", "title_rows": 2,
            "header_row": 3, "data_rows": n, "blank_rows": 1, "blank_row_positions": [blank_at + 1],
            "summary_rows": 1, "bad_rows": 3, "bad_row_details": bad_list, "expected_loaded": n - 3,
            "valid_workers": valid_workers, "valid_amount": valid_amount,
            "header_variants": {v: k for k, v in rename.items()}}


def _write_transport_water(ctx: _Context, comp: _Companies, path: Path) -> dict:
    """Extra 交通/水利 projects (xlsx): a title row, √/× and 有/无, real date cells."""
    import xlsxwriter

    rng = np.random.default_rng([ctx.seed, 10])
    n = 40
    county = np.sort(rng.integers(0, ctx.n, n))
    seq = ctx.n_projects[county] + _group_rank(county) + 1
    p = _gen_projects(ctx, comp, county, seq, rng, sector_p=(0.0, 0.6, 0.4), with_weights=False)
    table = pa.table(p["columns"])
    headers = list(PROJECT_HEADERS)
    tick = {"实名制管理", "工资专用账户", "总包代发", "按月足额支付"}
    have = {"维权信息公示牌", "工程款支付担保"}
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": dt.datetime.combine(ctx.as_of, dt.time(8, 0)), "author": "市交通运输局"})
    ws = wb.add_worksheet("交通水利项目")
    title = wb.add_format({"bold": True, "font_size": 14, "align": "center"})
    head = wb.add_format({"bold": True, "border": 1, "text_wrap": True})
    datef = wb.add_format({"num_format": "yyyy-mm-dd"})
    d = ctx.as_of
    ws.merge_range(0, 0, 0, len(headers) - 1,
                   f"{ctx.city[0]}交通、水利在建项目台账（截至{d.year}年{d.month}月{d.day}日）", title)
    ws.write_row(1, 0, headers, head)
    cols = {h: table.column(h).to_pylist() for h in headers}
    for r in range(n):
        for ci, h in enumerate(headers):
            v = cols[h][r]
            if v is None:
                continue
            if h in tick:
                ws.write_string(r + 2, ci, "√" if v == _YES else "×")
            elif h in have:
                ws.write_string(r + 2, ci, "有" if v == _YES else "无")
            elif h in ("开工日期", "实名制更新日期"):
                ws.write_datetime(r + 2, ci, dt.datetime.strptime(v, "%Y-%m-%d"), datef)
            elif h in ("合同金额（万元）", "经度", "纬度"):
                ws.write_number(r + 2, ci, float(v))
            else:
                ws.write(r + 2, ci, v)
    wb.close()
    return {"file": path.name, "ledger": "projects", "format": "xlsx", "encoding": None, "title_rows": 1,
            "header_row": 2, "data_rows": n, "blank_rows": 0, "summary_rows": 0, "bad_rows": 0,
            "bad_row_details": [], "expected_loaded": n,
            "value_variants": {"yes_no": ["√", "×", "有", "无"], "dates": "excel date cells"}}


# --- public API ------------------------------------------------------------------------------
def _clean(out_dir: Path) -> None:
    for p in out_dir.iterdir():
        if p.is_file() and (p.name == MANIFEST or (p.name.startswith(_LEDGER_PREFIXES)
                                                    and p.suffix.lower() in (".csv", ".xlsx", ".xls"))):
            p.unlink()


def write_demo_ledgers(out_dir: Path, counties: dict[str, str], as_of: dt.date, scale: str = "city",
                       seed: int = 7, city_name: str = "开封市", fmt: str | None = None) -> list[Path]:
    """Write demo ledgers into out_dir and return their paths in load order (projects, clues, cases).

    ``counties`` maps 6-digit county codes to names (e.g. ``geo.counties_in("410200")``). ``as_of`` is the
    last day of data. ``fmt`` is "xlsx" (default at city scale) or "csv" (default and only choice at the
    national scale). A ``manifest.json`` describing every file is written beside them.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; one of {sorted(SCALES)}")
    fmt = (fmt or ("xlsx" if scale == "city" else "csv")).lower()
    if fmt not in ("xlsx", "csv"):
        raise ValueError(f"unknown format {fmt!r}: xlsx or csv")
    if fmt == "xlsx" and SCALES[scale]["clues"] > _XLSX_MAX_ROWS:
        raise ValueError(f"the {scale} scale is CSV only (more rows than an Excel sheet holds)")
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clean(out_dir)
    ctx = _Context(counties, as_of, scale, seed, city_name)
    comp = _gen_companies(ctx)
    proj = _build_projects(ctx, comp)
    ext = "." + fmt
    p_path, c_path, k_path = (out_dir / f"{base}{ext}" for base in ("在建项目台账", "线索台账", "案件台账"))
    files: list[dict] = []
    paths: list[Path] = []

    sink = _Sink(p_path, fmt, list(PROJECT_HEADERS), "在建项目台账", as_of)
    sink.write(proj.table)
    sink.close()
    proj.table = None                       # only the helper arrays are needed from here on
    pa.default_memory_pool().release_unused()
    files.append(_plain_entry(p_path, "projects", fmt, sink.rows))
    paths.append(p_path)
    extra_proj = extra_clue = None
    if scale == "city":
        extra_proj = out_dir / "在建项目台账_交通水利.xlsx"
        files.append(_write_transport_water(ctx, comp, extra_proj))
        paths.append(extra_proj)

    clue_sink = _Sink(c_path, fmt, list(CLUE_HEADERS), "线索台账", as_of)
    case_sink = _Sink(k_path, fmt, list(CASE_HEADERS), "案件台账", as_of)
    # chunks of whole counties
    bounds = [0]
    acc = 0
    for i, k in enumerate(ctx.n_clues):
        if acc and acc + k > _CHUNK_CLUES:
            bounds.append(i)
            acc = 0
        acc += int(k)
    bounds.append(ctx.n)
    case_seq = 0
    stats = {"clues_open": 0, "clues_closed": 0, "clues_returned": 0}
    for ci, (lo, hi) in enumerate(itertools.pairwise(bounds)):
        rng = np.random.default_rng([seed, 100, ci])
        effort = _Effort(ctx, lo, hi)
        table, aux = _gen_clues(ctx, comp, proj, lo, hi, rng, effort)
        clue_sink.write(table)
        cases = _gen_cases(ctx, comp, proj, aux, lo, hi, np.random.default_rng([seed, 200, ci]), case_seq, effort)
        case_seq += cases.num_rows
        case_sink.write(cases)
        st = aux["status"]
        stats["clues_closed"] += int((st == 2).sum())
        stats["clues_returned"] += int((st == 3).sum())
        stats["clues_open"] += int(((st == 0) | (st == 1)).sum())
        del table, aux, cases
        pa.default_memory_pool().release_unused()
    clue_sink.close()
    case_sink.close()
    files.append(_plain_entry(c_path, "clues", fmt, clue_sink.rows))
    paths.append(c_path)
    if scale == "city":
        extra_clue = out_dir / "线索台账_12345补录.csv"
        files.append(_write_12345(ctx, comp, proj, extra_clue))
        paths.append(extra_clue)
    files.append(_plain_entry(k_path, "cases", fmt, case_sink.rows))
    paths.append(k_path)

    camp = campaign_for(as_of, load_rules())
    manifest = {
        "scale": scale, "seed": seed, "as_of": as_of.isoformat(), "format": fmt,
        "counties": len(ctx.codes),
        "load_order": [p.name for p in paths],
        "files": files,
        "totals": {"projects": sum(f["expected_loaded"] for f in files if f["ledger"] == "projects"),
                   "clues": sum(f["expected_loaded"] for f in files if f["ledger"] == "clues"),
                   "cases": sum(f["expected_loaded"] for f in files if f["ledger"] == "cases"),
                   "rejected": sum(f["bad_rows"] for f in files), **stats},
        "lagging_counties": [ctx.codes[i] for i in np.flatnonzero(ctx.lagging)],
        "exemplary_counties": [ctx.codes[i] for i in np.flatnonzero(ctx.exemplary)],
        "campaign": {"start": camp.start.isoformat(), "deadline": camp.deadline.isoformat()},
        # per county: quality 0 (best) .. 1 (lagging), normal closing lag (working days), campaign effort
        # (x normal at full intensity) and the day it mobilises for the campaign of as_of
        "county_profiles": [
            {"code": c, "quality": round(float(ctx.quality[i]), 2),
             "median_lag_workdays": round(7.0 * float(ctx.lag_mult[i]), 1),
             "campaign_effort": round(1.0 + float(ctx.camp_a[i]), 1),
             "mobilised": (camp.start - dt.timedelta(days=round(float(ctx.lead[i])))).isoformat()}
            for i, c in enumerate(ctx.codes)],
        "repeat_offenders": [{"name": comp.names[int(i)].as_py(), "credit_code": comp.codes[int(i)].as_py(),
                              "counties": [ctx.codes[c] for c in comp.offender_counties[k]]}
                             for k, i in enumerate(comp.offenders)],
        "workday_calendar": {"source": "chinese_calendar",
                             "weekends_only_years": sorted(ctx.cal.weekends_only_years)},
        "problem_projects": proj.ids.take(pa.array(np.flatnonzero(proj.problem))).to_pylist()[:50],
        "generation_seconds": None,
    }
    manifest["generation_seconds"] = round(time.perf_counter() - t0, 2)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return paths


def _plain_entry(path: Path, ledger: str, fmt: str, rows: int) -> dict:
    return {"file": path.name, "ledger": ledger, "format": fmt, "encoding": "utf-8" if fmt == "csv" else None,
            "title_rows": 0, "header_row": 1, "data_rows": rows, "blank_rows": 0, "summary_rows": 0,
            "bad_rows": 0, "bad_row_details": [], "expected_loaded": rows}


def demo_expectations(out_dir: Path) -> dict:
    """The manifest written by ``write_demo_ledgers`` (counts per file, deliberate defects, profiles)."""
    return json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write demo ledgers (护薪调度台)")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--scale", default="city", choices=sorted(SCALES))
    ap.add_argument("--scope", default=None, help="city/province code or 'all' (default by scale)")
    ap.add_argument("--as-of", default=None, help="YYYY-MM-DD (default today)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--city-name", default="开封市")
    ap.add_argument("--fmt", default=None, choices=["xlsx", "csv"])
    a = ap.parse_args(argv)
    from huxin import geo

    scope = a.scope or {"city": "410200", "province": "41", "national": "all"}[a.scale]
    as_of = dt.date.fromisoformat(a.as_of) if a.as_of else dt.date.today()
    t0 = time.perf_counter()
    paths = write_demo_ledgers(a.out, geo.counties_in(scope), as_of, a.scale, a.seed, a.city_name, a.fmt)
    for p in paths:
        print(f"{p}  {p.stat().st_size / 1e6:.1f} MB")
    print(f"{time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
