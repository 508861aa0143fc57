-- Daily open stock (open clues + open cases) per county from events: +1 when received/opened, -1 when closed.
-- Everything up to $start is summed into one row dated $start (the stock at the end of that day), then the running
-- sum over the event days in ($start, $as_of] gives the stock at the end of each of them (days without an event
-- carry the last value forward: huxin.data.stock_series). Summing the history first keeps the result to the days
-- asked for — a window over every event day of every county was most of this query at national scale.
WITH ev AS (
    SELECT county_code, received_date AS d, 1 AS delta, 'clue' AS what, NULL::VARCHAR AS investment_type
    FROM clues WHERE status <> 'returned' AND received_date <= $as_of
      AND ($counties IS NULL OR list_contains($counties, county_code))
    UNION ALL
    SELECT county_code, closed_date, -1, 'clue', NULL FROM clues
    WHERE status <> 'returned' AND closed_date <= $as_of
      AND ($counties IS NULL OR list_contains($counties, county_code))
    UNION ALL
    SELECT k.county_code, k.opened_date, 1, 'case', p.investment_type FROM cases k
    LEFT JOIN projects p USING (project_id)
    WHERE k.opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, k.county_code))
    UNION ALL
    SELECT k.county_code, k.closed_date, -1, 'case', p.investment_type FROM cases k
    LEFT JOIN projects p USING (project_id)
    WHERE k.closed_date <= $as_of AND ($counties IS NULL OR list_contains($counties, k.county_code))
),
daily AS (
    SELECT county_code, greatest(d, $start) AS d,
           sum(delta) AS delta,
           sum(delta) FILTER (WHERE what = 'case' AND list_contains($year_end_types, investment_type)) AS delta_ye
    FROM ev GROUP BY county_code, greatest(d, $start)
)
SELECT county_code, d,
       sum(delta) OVER (PARTITION BY county_code ORDER BY d) AS open_stock,
       sum(coalesce(delta_ye, 0)) OVER (PARTITION BY county_code ORDER BY d) AS year_end_stock
FROM daily
ORDER BY county_code, d
