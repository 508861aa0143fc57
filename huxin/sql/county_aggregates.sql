-- Per-county counts as of $as_of (D) for the period [$from, $as_of] (F, D): the inputs of huxin.rules.county_table.
-- Every county of the database appears (zeros when it has no records). Semantics (issue 3, shared/domain.md):
--   open at D        received on or before D and not closed on or before D (a clue closed after D was open at D);
--   received         clues received in [F, D];  closed: those of them closed on or before D;
--   closed_on_time   those closed on a date on or before their due date;
--   overdue_open     clues open at D with D later than the due date, whenever received;
--   open_stock       clues open at D + cases open at D (opened on or before D, not closed on or before D);
--   open_stock_at_start  the same at the end of min($start, D) (campaign start; D before the campaign begins);
--   stock_window_start   the same at the end of $window_start (the pace window: D minus 10 working days).
-- Returned (退回) clues are not counted (see _clue_due.sql). Nothing dated after D is read, except the current
-- clue status 'returned' and a project's current status (the ledgers carry no dates for those).
WITH {clue_due},
clue_agg AS (
    SELECT county_code,
        count(*) FILTER (WHERE received_date >= $from) AS received,
        count(*) FILTER (WHERE received_date >= $from AND NOT is_open) AS closed,
        count(*) FILTER (WHERE received_date >= $from AND NOT is_open AND closed_date <= due_date) AS closed_on_time,
        count(*) FILTER (WHERE is_open AND $as_of > due_date) AS overdue_open,
        count(*) FILTER (WHERE is_open) AS open_clues,
        -- baseline of the burn-down: stock at the end of the campaign's first day, or at D before it has begun
        count(*) FILTER (WHERE received_date <= least($start, $as_of)
                           AND (closed_date IS NULL OR closed_date > least($start, $as_of))) AS open_at_start,
        count(*) FILTER (WHERE received_date <= $window_start
                           AND (closed_date IS NULL OR closed_date > $window_start)) AS open_at_window,
        coalesce(sum(workers) FILTER (WHERE received_date >= $from), 0) AS workers_involved,
        coalesce(sum(resolved_amount) FILTER (WHERE closed_date BETWEEN $from AND $as_of), 0) AS clue_recovered,
        -- an open clue's amount counts as owed unless a case opened on it by D carries the amount instead
        coalesce(sum(amount) FILTER (WHERE is_open AND clue_id NOT IN (SELECT clue_id FROM cases
                                                                         WHERE clue_id IS NOT NULL
                                                                           AND opened_date <= $as_of)), 0)
            AS clue_owed
    FROM clue_due GROUP BY county_code
),
rep AS (
    -- 重复反映 among the clues counted as received (not returned, received in [F, D], county in scope). The flags
    -- come from repeat_daily (huxin/sql/repeat_daily.sql: computed once per data version, since whether a clue is a
    -- repeat depends only on the clues before it), registered by huxin.data.county_aggregates.
    SELECT county_code, sum(n) AS repeat_clues
    FROM repeat_daily
    WHERE d >= $from AND d <= $as_of AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY county_code
),
case_agg AS (
    SELECT county_code,
        count(*) FILTER (WHERE closed_date IS NULL OR closed_date > $as_of) AS open_cases,
        count(*) FILTER (WHERE opened_date >= $from) AS cases_opened,
        count(*) FILTER (WHERE opened_date <= least($start, $as_of)
                           AND (closed_date IS NULL OR closed_date > least($start, $as_of))) AS cases_at_start,
        count(*) FILTER (WHERE opened_date <= $window_start
                           AND (closed_date IS NULL OR closed_date > $window_start)) AS cases_at_window,
        coalesce(sum(amount_owed - coalesce(amount_paid, 0))
                 FILTER (WHERE closed_date IS NULL OR closed_date > $as_of), 0) AS case_owed,
        coalesce(sum(amount_paid) FILTER (WHERE closed_date BETWEEN $from AND $as_of AND clue_id IS NULL), 0)
            AS case_recovered
    FROM cases
    WHERE opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY county_code
),
proj_agg AS (
    SELECT county_code,
        count(*) AS active_projects,
        count(*) FILTER (WHERE real_name AND wage_account AND contractor_pays AND wage_deposit_ok AND notice_board)
            AS projects_all_core
    FROM projects
    WHERE status IN ('active', 'suspended') AND (start_date IS NULL OR start_date <= $as_of)
      AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY county_code
)
SELECT r.code, r.name,
    coalesce(c.received, 0)::BIGINT AS received,
    coalesce(c.closed, 0)::BIGINT AS closed,
    coalesce(c.closed_on_time, 0)::BIGINT AS closed_on_time,
    coalesce(c.overdue_open, 0)::BIGINT AS overdue_open,
    coalesce(c.open_clues, 0)::BIGINT AS open_clues,
    coalesce(k.open_cases, 0)::BIGINT AS open_cases,
    (coalesce(c.open_clues, 0) + coalesce(k.open_cases, 0))::BIGINT AS open_stock,
    (coalesce(c.open_at_start, 0) + coalesce(k.cases_at_start, 0))::BIGINT AS open_stock_at_start,
    coalesce(p.active_projects, 0)::BIGINT AS active_projects,
    coalesce(p.projects_all_core, 0)::BIGINT AS projects_all_core,
    coalesce(rp.repeat_clues, 0)::BIGINT AS repeat_clues,
    coalesce(k.cases_opened, 0)::BIGINT AS cases_opened,
    (coalesce(c.clue_owed, 0) + coalesce(k.case_owed, 0))::DOUBLE AS amount_owed,
    (coalesce(c.clue_recovered, 0) + coalesce(k.case_recovered, 0))::DOUBLE AS amount_recovered,
    coalesce(c.workers_involved, 0)::BIGINT AS workers_involved,
    (coalesce(c.open_at_window, 0) + coalesce(k.cases_at_window, 0))::BIGINT AS stock_window_start
FROM regions r
LEFT JOIN clue_agg c ON c.county_code = r.code
LEFT JOIN rep rp ON rp.county_code = r.code
LEFT JOIN case_agg k ON k.county_code = r.code
LEFT JOIN proj_agg p ON p.county_code = r.code
WHERE r.level = 'county' AND ($counties IS NULL OR list_contains($counties, r.code))
ORDER BY r.code
