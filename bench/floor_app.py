"""A bare Streamlit page, for bench/browser_bench.py: the same Streamlit, config (.streamlit/config.toml), browser and
machine as the dashboard, and nothing on the page but a title and the sidebar's two-page navigation.

Why: on this 2-core machine without a GPU, Streamlit's own frontend takes a large share of a page's time to ready
in Chromium (ninth round in bench/RESULTS.md). The time this page takes is the floor that no page of ours can go
below here. It is printed next to every browser table, as the reference loop is for the CPU, so that a slow day of
the shared machine can be told apart from a slower page. The second page has its own address (/page), as each of
ours does (/weekly): the frontend then probes for a base path first, as it does on ours.
"""
import streamlit as st


def home() -> None:
    st.title("护薪调度台")


def page() -> None:
    st.title("周调度")


st.navigation([st.Page(home, title="首页", default=True), st.Page(page, title="周调度", url_path="page")]).run()
