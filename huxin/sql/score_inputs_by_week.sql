-- The inputs of the county score (huxin.rules.league_scores) at each of the sorted dates $ends (the campaign's week
-- ends), each for the period [$from, end], in one pass over the ledgers: what
-- county_aggregates.sql gives for each end alone, counts only. Each record is counted for a run of ends: a clue is
-- open at end j when it was received by then and not yet closed, i.e. for j in [J(received), J(closed)), where
-- J(x) = the number of ends before x (the index of the first end on or after x; $k, the number of ends, if none).
-- So each record becomes an interval [a, b) of end indexes, and huxin.data.score_inputs_by_week adds them up.
-- Definitions as in county_aggregates.sql (returned clues left out; $start is the campaign start, the same for every
-- end, so the stock at the start is one number for all ends).
WITH {clue_due},
cl AS (
    SELECT county_code, count(*) AS n,
           len(list_filter($ends, lambda e: e < received_date)) AS jr,
           CASE WHEN closed_date IS NULL THEN $k ELSE len(list_filter($ends, lambda e: e < closed_date)) END AS jc,
           -- overdue at end j: j ≥ the number of ends on or before the due date
           len(list_filter($ends, lambda e: e <= due_date)) AS jd,
           received_date >= $from AS in_period,
           coalesce(closed_date <= due_date, false) AS on_time,
           received_date <= $start AND (closed_date IS NULL OR closed_date > $start) AS at_start
    FROM clue_due
    GROUP BY ALL
),
kc AS (
    SELECT county_code, count(*) AS n,
           len(list_filter($ends, lambda e: e < opened_date)) AS jo,
           CASE WHEN closed_date IS NULL THEN $k ELSE len(list_filter($ends, lambda e: e < closed_date)) END AS jc,
           opened_date <= $start AND (closed_date IS NULL OR closed_date > $start) AS at_start
    FROM cases
    WHERE opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY ALL
),
pj AS (
    SELECT county_code, count(*) AS n,
           count(*) FILTER (WHERE real_name AND wage_account AND contractor_pays AND wage_deposit_ok AND notice_board)
               AS n_core,
           CASE WHEN start_date IS NULL THEN 0 ELSE len(list_filter($ends, lambda e: e < start_date)) END AS jp
    FROM projects
    WHERE status IN ('active', 'suspended') AND (start_date IS NULL OR start_date <= $as_of)
      AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY ALL
),
rp AS (
    SELECT county_code, sum(n) AS n, len(list_filter($ends, lambda e: e < d)) AS jr
    FROM repeat_daily
    WHERE d >= $from AND d <= $as_of AND ($counties IS NULL OR list_contains($counties, county_code))
    GROUP BY ALL
)
SELECT 'received' AS metric, county_code, jr AS a, $k AS b, sum(n) AS n FROM cl WHERE in_period GROUP BY ALL
UNION ALL
SELECT 'closed', county_code, greatest(jr, jc), $k, sum(n) FROM cl WHERE in_period AND jc < $k GROUP BY ALL
UNION ALL
SELECT 'closed_on_time', county_code, greatest(jr, jc), $k, sum(n) FROM cl WHERE in_period AND jc < $k AND on_time
GROUP BY ALL
UNION ALL
SELECT 'overdue_open', county_code, greatest(jr, jd), jc, sum(n) FROM cl WHERE greatest(jr, jd) < jc GROUP BY ALL
UNION ALL
SELECT 'open_clues', county_code, jr, jc, sum(n) FROM cl WHERE jr < jc GROUP BY ALL
UNION ALL
SELECT 'open_stock_at_start', county_code, 0, $k, sum(n) FROM cl WHERE at_start GROUP BY ALL
UNION ALL
SELECT 'open_cases', county_code, jo, jc, sum(n) FROM kc WHERE jo < jc GROUP BY ALL
UNION ALL
SELECT 'open_stock_at_start', county_code, 0, $k, sum(n) FROM kc WHERE at_start GROUP BY ALL
UNION ALL
SELECT 'active_projects', county_code, jp, $k, sum(n) FROM pj GROUP BY ALL
UNION ALL
SELECT 'projects_all_core', county_code, jp, $k, sum(n_core) FROM pj GROUP BY ALL
UNION ALL
SELECT 'repeat_clues', county_code, jr, $k, sum(n) FROM rp GROUP BY ALL
