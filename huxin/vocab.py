"""Controlled vocabularies and canonical ledger headers (domain.md is the source).

English names are used in code and stored in the database where a value is an enum;
the Chinese labels are what users type in ledgers and see in the UI.
"""
from __future__ import annotations

# --- clue (欠薪线索) -----------------------------------------------------------
CLUE_SOURCES: tuple[str, ...] = (
    "全国根治欠薪线索反映平台", "12345热线", "信访", "网络舆情", "来电", "现场", "其他",
)
# Ledger status label -> code stored in the database.
CLUE_STATUS: dict[str, str] = {"签收": "received", "办理中": "in_progress", "已办结": "closed", "退回": "returned"}
CLUE_STATUS_LABEL: dict[str, str] = {v: k for k, v in CLUE_STATUS.items()}
VERDICTS: tuple[str, ...] = (
    "欠薪属实已解决", "属实正在处理", "工程款纠纷", "劳动争议（引导仲裁诉讼）", "反映不属实", "重复反映", "其他",
)
INDUSTRIES: tuple[str, ...] = ("工程建设", "制造业", "批发零售", "住宿餐饮", "交通运输", "居民服务", "其他")

# --- project (在建工程项目) -----------------------------------------------------
INVESTMENT_TYPES: dict[str, str] = {"政府投资": "government", "国企投资": "soe", "PPP": "ppp", "社会投资": "private"}
INVESTMENT_LABEL: dict[str, str] = {v: k for k, v in INVESTMENT_TYPES.items()}
# Aliases seen in real ledgers.
INVESTMENT_ALIASES: dict[str, str] = {"政府": "government", "国企": "soe", "国有企业投资": "soe", "国有": "soe",
                                      "民间投资": "private", "社会": "private", "民营": "private", "ppp": "ppp"}
# Cases on these projects must be cleared by 31 December (两清零, first half).
YEAR_END_INVESTMENT: frozenset[str] = frozenset({"government", "soe", "ppp"})
SECTORS: tuple[str, ...] = ("住建", "交通", "水利")
PROJECT_STATUS: dict[str, str] = {"在建": "active", "停工": "suspended", "竣工": "completed", "未开工": "not_started"}
PROJECT_STATUS_LABEL: dict[str, str] = {v: k for k, v in PROJECT_STATUS.items()}
ACTIVE_PROJECT_STATUS: frozenset[str] = frozenset({"active", "suspended"})
COORD_SYSTEMS: dict[str, str] = {"WGS84": "wgs84", "WGS-84": "wgs84", "GCJ02": "gcj02", "GCJ-02": "gcj02",
                                 "高德": "gcj02", "腾讯": "gcj02", "BD09": "bd09", "BD-09": "bd09", "百度": "bd09"}
WAGE_DEPOSIT: dict[str, str] = {"现金": "cash", "保函": "guarantee", "减免": "waived", "未缴": "missing"}
WAGE_DEPOSIT_LABEL: dict[str, str] = {v: k for k, v in WAGE_DEPOSIT.items()}

# Safeguards (保障工资支付制度): column in projects table -> UI label.
SAFEGUARDS: dict[str, str] = {
    "real_name": "实名制管理",
    "wage_account": "工资专用账户",
    "contractor_pays": "总包代发",
    "wage_deposit_ok": "工资保证金",
    "notice_board": "维权信息公示牌",
    "payment_guarantee": "工程款支付担保",
    "monthly_full_pay": "按月足额支付",
}
# The five core safeguards of the county score (domain.md).
CORE_SAFEGUARDS: tuple[str, ...] = ("real_name", "wage_account", "contractor_pays", "wage_deposit_ok", "notice_board")

# --- case (欠薪案件) -------------------------------------------------------------
CASE_STAGES: dict[str, str] = {"立案": "opened", "调解": "mediation", "责令整改": "rectification",
                               "移送公安": "police", "申请法院执行": "court", "结案": "closed"}
CASE_STAGE_LABEL: dict[str, str] = {v: k for k, v in CASE_STAGES.items()}
SUPERVISION_LEVELS: dict[str, str] = {"挂牌督办": "flagged", "领导包案": "leader", "专案组": "task_force"}
SUPERVISION_LABEL: dict[str, str] = {v: k for k, v in SUPERVISION_LEVELS.items()}

# --- warning levels (预警) -------------------------------------------------------
LEVELS: tuple[str, ...] = ("红", "橙", "黄", "蓝")  # most severe first
LEVEL_RANK: dict[str | None, int] = {"红": 4, "橙": 3, "黄": 2, "蓝": 1, None: 0}
LEVEL_COLORS: dict[str, str] = {"红": "#d7191c", "橙": "#f28e2b", "黄": "#f7d038", "蓝": "#2c7bb6"}
LEVEL_RGB: dict[str, tuple[int, int, int]] = {"红": (215, 25, 28), "橙": (242, 142, 43), "黄": (247, 208, 56),
                                              "蓝": (44, 123, 182)}
NO_LEVEL_COLOR = "#d9d9d9"

# --- canonical ledger headers (data/templates holds files with exactly these) ----
# Each entry: canonical header -> (column name in the database, required?)
CLUE_HEADERS: dict[str, tuple[str, bool]] = {
    "线索编号": ("clue_id", True), "来源渠道": ("source", False), "反映时间": ("received_date", True),
    "所属区县": ("county_code", True), "所属乡镇": ("township", False), "行业领域": ("industry", False),
    "被反映单位": ("employer", True), "统一社会信用代码": ("credit_code", False), "项目编号": ("project_id", False),
    "涉及人数": ("workers", True), "涉及金额（元）": ("amount", True), "办理状态": ("status", True),
    "核处结论": ("verdict", False), "办结时间": ("closed_date", False), "解决人数": ("resolved_workers", False),
    "解决金额（元）": ("resolved_amount", False), "反映人": ("complainant", False), "联系电话": ("phone", False),
    "身份证号": ("id_number", False),
}
PROJECT_HEADERS: dict[str, tuple[str, bool]] = {
    "项目编号": ("project_id", True), "项目名称": ("name", True), "所属区县": ("county_code", True),
    "所属乡镇": ("township", False), "行业主管部门": ("sector", False), "投资类型": ("investment_type", True),
    "建设单位": ("builder", False), "施工总承包单位": ("contractor", False),
    "合同金额（万元）": ("contract_amount", False), "开工日期": ("start_date", False),
    "项目状态": ("status", True), "在场人数": ("workers_on_site", False), "经度": ("lon", False),
    "纬度": ("lat", False), "坐标系": ("coord_system", False), "实名制管理": ("real_name", False),
    "工资专用账户": ("wage_account", False), "总包代发": ("contractor_pays", False),
    "工资保证金": ("wage_deposit", False), "维权信息公示牌": ("notice_board", False),
    "工程款支付担保": ("payment_guarantee", False), "按月足额支付": ("monthly_full_pay", False),
    "实名制更新日期": ("roster_updated_date", False),
}
CASE_HEADERS: dict[str, tuple[str, bool]] = {
    "案件编号": ("case_id", True), "线索编号": ("clue_id", False), "项目编号": ("project_id", False),
    "所属区县": ("county_code", True), "用人单位": ("employer", True), "立案日期": ("opened_date", True),
    "欠薪人数": ("workers", True), "欠薪金额（元）": ("amount_owed", True), "已支付金额（元）": ("amount_paid", False),
    "案件状态": ("status", True), "督办级别": ("supervision_level", False), "包案领导": ("leader", False),
    "责任单位": ("responsible_unit", False), "办结时限": ("due_date", False), "结案日期": ("closed_date", False),
    "移送公安": ("police_referral", False), "列入黑名单": ("blacklisted", False),
}
LEDGER_HEADERS: dict[str, dict[str, tuple[str, bool]]] = {
    "clues": CLUE_HEADERS, "projects": PROJECT_HEADERS, "cases": CASE_HEADERS,
}
LEDGER_LABEL: dict[str, str] = {"clues": "线索台账", "projects": "在建项目台账", "cases": "案件台账"}
LEDGER_KEY: dict[str, str] = {"clues": "clue_id", "projects": "project_id", "cases": "case_id"}
