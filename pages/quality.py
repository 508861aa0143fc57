"""导入情况: what the last loads did with every ledger row, which rows were rejected or warned and why, and how fresh
each ledger is — so a clerk can fix the source file and an analyst knows what the numbers rest on."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from huxin import data, ui
from huxin.vocab import LEDGER_LABEL

ctx = ui.page("quality", "导入情况")
city_level = ctx.scope.counties is None

files = data.load_files_table(10)
issues = data.load_issue_rows(ctx.scope)
fresh = data.ledger_freshness()

# --- Summary ----------------------------------------------------------------------------------------
if files.empty:
    st.info("数据库中还没有导入记录。请用 python -m etl load 台账文件 导入线索、案件和在建项目台账。")
    st.stop()
latest_id = int(files["batch_id"].max())
latest = files[files["batch_id"] == latest_id]
m = st.columns(5)
m[0].metric("最近导入批次", f"第 {latest_id} 批",
            help=f"完成时间 {pd.Timestamp(latest['finished_at'].iloc[0]):%Y-%m-%d %H:%M}")
m[1].metric("本批数据行", f"{int(latest['rows_in'].sum()):,}")
m[2].metric("本批导入", f"{int(latest['loaded'].sum()):,}",
            help=f"新增 {int(latest['inserted'].sum()):,}，更新 {int(latest['updated'].sum()):,}，"
                 f"无变化 {int(latest['unchanged'].sum()):,}")
m[3].metric("本批拒收", f"{int(latest['rejected'].sum()):,}", help="整行未导入，须改正台账后重新导入")
m[4].metric("本批警告", f"{int(latest['warnings'].sum()):,}", help="行已导入，但某个字段有疑问或被置空")

# --- Per-file accounting ---------------------------------------------------------------------------
st.subheader("最近导入批次（逐文件核对）")
st.caption("每个文件：数据行 = 导入 + 拒收 + 合计行（空行不计入数据行）。「核对」不相符说明导入程序有误，请联系管理员。")
acc = files.assign(
    kind=files["kind"].map(LEDGER_LABEL).fillna(files["kind"]),
    check=["相符" if r == lo + rej + s else "不相符" for r, lo, rej, s in
           zip(files["rows_in"], files["loaded"], files["rejected"], files["skipped_summary"], strict=True)],
    source=files["file"] + files["sheet"].fillna("").map(lambda s: f"［{s}］" if s else ""),
)
acc_cols = {  # the accounting first: on a narrow screen the columns on the right scroll out of view
    "source": st.column_config.TextColumn("文件［工作表］"),
    "kind": st.column_config.TextColumn("台账"),
    "rows_in": st.column_config.NumberColumn("数据行", format="%d"),
    "loaded": st.column_config.NumberColumn("导入", format="%d"),
    "rejected": st.column_config.NumberColumn("拒收", format="%d"),
    "skipped_summary": st.column_config.NumberColumn("合计行", format="%d"),
    "check": st.column_config.TextColumn("核对"),
    "warnings": st.column_config.NumberColumn("警告", format="%d"),
    "inserted": st.column_config.NumberColumn("新增", format="%d"),
    "updated": st.column_config.NumberColumn("更新", format="%d"),
    "unchanged": st.column_config.NumberColumn("无变化", format="%d"),
    "blank_rows": st.column_config.NumberColumn("空行", format="%d"),
    "newest_date": st.column_config.DateColumn("文件中最新日期", format="YYYY-MM-DD"),
    "batch_id": st.column_config.NumberColumn("批次", format="%d"),
    "finished_at": st.column_config.DatetimeColumn("完成时间", format="YYYY-MM-DD HH:mm"),
    "command": st.column_config.TextColumn("命令"),
}
st.dataframe(acc[list(acc_cols)], hide_index=True, column_config=acc_cols, key="load_files")

# --- Freshness --------------------------------------------------------------------------------------
st.subheader("各台账最新记录日期")
newest_all = pd.to_datetime(fresh["newest"]).max()
fr = fresh.assign(lag=[None if pd.isna(d) or pd.isna(newest_all) else (newest_all - pd.Timestamp(d)).days
                       for d in fresh["newest"]])
st.caption("「比最新记录早」明显偏大的台账，可能最近没有重新导出导入。")
st.dataframe(fr, hide_index=True, key="freshness", column_config={
    "ledger": st.column_config.TextColumn("台账"),
    "field": st.column_config.TextColumn("日期字段"),
    "records": st.column_config.NumberColumn("记录数", format="%d"),
    "newest": st.column_config.DateColumn("最新日期", format="YYYY-MM-DD"),
    "lag": st.column_config.NumberColumn("比最新记录早", format="%d 天"),
})

# --- Issues -----------------------------------------------------------------------------------------
st.subheader("拒收和警告明细")
if not city_level:
    # load_issues has no county column: rows of every county would show, so county users get totals only.
    st.info("县区用户只能查看导入批次的合计数。逐行的拒收和警告明细涉及全市各县区的台账，仅市级用户可以查看；"
            "如需本县区的明细，请联系市治欠办。")
elif issues.empty:
    st.success("导入记录中没有拒收或警告的行。")
else:
    if not ctx.present:
        c1, c2 = st.columns(2)
        batches = sorted(issues["batch_id"].unique().tolist(), reverse=True)
        pick = c1.selectbox("批次", batches, format_func=lambda b: f"第 {b} 批", key="quality_batch")
        sev = c2.multiselect("级别", ["拒收", "警告"], default=["拒收", "警告"], key="quality_severity")
    else:
        pick, sev = latest_id, ["拒收", "警告"]
    show = issues[issues["batch_id"] == pick].assign(
        severity=issues["severity"].map({"error": "拒收", "warning": "警告"}).fillna(issues["severity"]))
    show = show[show["severity"].isin(sev)]
    st.caption(f"第 {pick} 批：拒收 {int((show['severity'] == '拒收').sum())} 行，警告 {int((show['severity'] == '警告').sum())} 处。"
               + ("" if ctx.scope.unmask else "个人信息已脱敏。")
               + ("　（仅显示最新的 5000 条）" if len(issues) >= 5000 else ""))
    issue_cols = {
        "file": st.column_config.TextColumn("文件"),
        "sheet": st.column_config.TextColumn("工作表"),
        "row_number": st.column_config.NumberColumn("行号", format="%d", help="在 Excel/CSV 中看到的行号"),
        "column_name": st.column_config.TextColumn("列"),
        "value": st.column_config.TextColumn("值"),
        "severity": st.column_config.TextColumn("级别"),
        "reason": st.column_config.TextColumn("原因"),
    }
    st.dataframe(show[list(issue_cols)], hide_index=True, column_config=issue_cols, key="load_issues")
    ui.download_table(ctx, "导入问题明细", show[list(issue_cols)].rename(
        columns={k: v["label"] for k, v in issue_cols.items()}), key="quality_issues")
