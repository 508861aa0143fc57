-- 护薪调度台 database schema. The ETL (python -m etl) is the only writer; the app opens the file read-only.
-- Keys are enforced by the loader (DuckDB primary keys make delete+insert upserts in one transaction fragile);
-- tests/test_data_quality.py checks them on every loaded database.

CREATE TABLE IF NOT EXISTS meta (key VARCHAR, value VARCHAR);

CREATE TABLE IF NOT EXISTS regions (
    code VARCHAR,            -- 6-digit GB/T 2260
    name VARCHAR,
    level VARCHAR,           -- province | city | county
    parent_code VARCHAR,
    city_code VARCHAR,
    province_code VARCHAR,
    lon DOUBLE,              -- a point inside the polygon, for labels
    lat DOUBLE,
    geojson VARCHAR          -- simplified boundary (counties only)
);

CREATE TABLE IF NOT EXISTS projects (
    project_id VARCHAR, name VARCHAR, county_code VARCHAR, township VARCHAR, sector VARCHAR,
    investment_type VARCHAR, builder VARCHAR, contractor VARCHAR,
    contract_amount DOUBLE,  -- 元 (ledgers say 万元; converted on load)
    start_date DATE, status VARCHAR, workers_on_site INTEGER,
    lon DOUBLE, lat DOUBLE, coord_system VARCHAR,   -- as declared in the ledger
    lon_wgs84 DOUBLE, lat_wgs84 DOUBLE,             -- converted for display
    real_name BOOLEAN, wage_account BOOLEAN, contractor_pays BOOLEAN, wage_deposit VARCHAR,
    wage_deposit_ok BOOLEAN, notice_board BOOLEAN, payment_guarantee BOOLEAN, monthly_full_pay BOOLEAN,
    roster_updated_date DATE,
    batch_id INTEGER, source_file VARCHAR, source_row INTEGER, row_hash VARCHAR
);

CREATE TABLE IF NOT EXISTS clues (
    clue_id VARCHAR, source VARCHAR, received_date DATE, county_code VARCHAR, township VARCHAR, industry VARCHAR,
    employer VARCHAR, credit_code VARCHAR, project_id VARCHAR, workers INTEGER, amount DOUBLE, status VARCHAR,
    verdict VARCHAR, closed_date DATE, resolved_workers INTEGER, resolved_amount DOUBLE,
    complainant VARCHAR, phone VARCHAR, id_number VARCHAR,
    batch_id INTEGER, source_file VARCHAR, source_row INTEGER, row_hash VARCHAR
);

CREATE TABLE IF NOT EXISTS cases (
    case_id VARCHAR, clue_id VARCHAR, project_id VARCHAR, county_code VARCHAR, employer VARCHAR, opened_date DATE,
    workers INTEGER, amount_owed DOUBLE, amount_paid DOUBLE, status VARCHAR, supervision_level VARCHAR,
    leader VARCHAR, responsible_unit VARCHAR, due_date DATE, closed_date DATE, police_referral BOOLEAN,
    blacklisted BOOLEAN,
    batch_id INTEGER, source_file VARCHAR, source_row INTEGER, row_hash VARCHAR
);

-- Earlier versions of records that a later load changed (status changes stay traceable).
CREATE TABLE IF NOT EXISTS projects_history AS SELECT *, 0::INTEGER AS superseded_by_batch FROM projects WHERE false;
CREATE TABLE IF NOT EXISTS clues_history AS SELECT *, 0::INTEGER AS superseded_by_batch FROM clues WHERE false;
CREATE TABLE IF NOT EXISTS cases_history AS SELECT *, 0::INTEGER AS superseded_by_batch FROM cases WHERE false;

CREATE TABLE IF NOT EXISTS load_batches (
    batch_id INTEGER, started_at TIMESTAMP, finished_at TIMESTAMP, command VARCHAR, is_demo BOOLEAN
);

-- One row per file (and sheet) of a batch: the accounting rows_in = loaded + rejected + skipped_summary.
CREATE TABLE IF NOT EXISTS load_files (
    batch_id INTEGER, file VARCHAR, sheet VARCHAR, kind VARCHAR, sha256 VARCHAR, rows_in INTEGER,
    loaded INTEGER, inserted INTEGER, updated INTEGER, unchanged INTEGER, rejected INTEGER,
    skipped_summary INTEGER, blank_rows INTEGER, warnings INTEGER, newest_date DATE
);

CREATE TABLE IF NOT EXISTS load_issues (
    batch_id INTEGER, file VARCHAR, sheet VARCHAR, row_number INTEGER, column_name VARCHAR, value VARCHAR,
    severity VARCHAR,        -- error: row rejected; warning: row loaded, field emptied
    reason VARCHAR,          -- Chinese, for the clerk who fixes the ledger
    raw VARCHAR              -- the whole row as JSON, so nothing is lost
);
