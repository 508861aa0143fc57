-- Per-county counts as of $as_of for the period [$from, $as_of]: the inputs of huxin.rules.county_table.
-- Open at D: received on or before D and not closed on or before D. Returned (退回) clues are not counted.
WITH {clue_due},
repeat_flag AS (
    -- a clue is a repeat when the same employer (credit code, else name) or project had a clue in the previous
    -- $repeat_days days (received on or before this one, ordered by date then id)
    SELECT clue_id, county_code, received_date,
           coalesce(received_date - lag(received_date) OVER (PARTITION BY coalesce(credit_code, employer)
                                                               ORDER BY received_date, clue_id) <= $repeat_days,
                    false)
        OR coalesce(project_id IS NOT NULL AND received_date - lag(received_date) OVER (
                        PARTITION BY project_id ORDER BY received_date, clue_id) <= $repeat_days, false) AS is_repeat
    FROM clue_due
),
clue_agg AS (
    SELECT county_code,
        count(*) FILTER (WHERE received_date >= $from) AS received,
        count(*) FILTER (WHERE received_date >= $from AND NOT is_open) AS closed,
        count(*) FILTER (WHERE received_date >= $from AND NOT is_open AND closed_date <= due_date) AS closed_on_time,
        count(*) FILTER (WHERE is_open AND $as_of > due_date) AS overdue_open,
        count(*) FILTER (WHERE is_open) AS open_clues,
        count(*) FILTER (WHERE received_date <= $start AND (closed_date IS NULL OR closed_date > $start)) AS open_at_start,
        count(*) FILTER (WHERE received_date <= $window_start
                           AND (closed_date IS NULL OR closed_date > $window_start)) AS open_at_window,
        coalesce(sum(workers) FILTER (WHERE received_date >= $from), 0) AS workers_involved,
        coalesce(sum(resolved_amount) FILTER (WHERE closed_date BETWEEN $from AND $as_of), 0) AS clue_recovered,
        coalesce(sum(amount) FILTER (WHERE is_open AND clue_id NOT IN (SELECT clue_id FROM cases
                                                                         WHERE clue_id IS NOT NULL)), 0)
            AS clue_owed
    FROM clue_due GROUP BY county_code
),
rep AS (
    SELECT county_code, count(*) FILTER (WHERE is_repeat AND received_date >= $from) AS repeat_clues
    FROM repeat_flag GROUP BY county_code
),
case_agg AS (
    SELECT county_code,
        count(*) FILTER (WHERE closed_date IS NULL OR closed_date > $as_of) AS open_cases,
        count(*) FILTER (WHERE opened_date >= $from) AS cases_opened,
        count(*) FILTER (WHERE opened_date <= $start AND (closed_date IS NULL OR closed_date > $start)) AS cases_at_start,
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
