-- Written by the loader (etl/load.py) after every load, inside the same atomic write as the data: for every clue that
-- is not returned (退回), the days since the nearest earlier clue (ordered by receiving day, then id) about the same
-- employer (same credit code, or same name) or the same project; clues with no such earlier clue are left out.
-- Counted per county, receiving day and gap. A clue is a repeat complaint (重复反映) when its gap is at most the
-- rules' window (config/rules.toml repeat.window_days): huxin/sql/repeat_daily_from_gaps.sql. The gap does not depend
-- on the as-of date or on the rules, so the windows below run once per load instead of once per page view
-- (huxin/sql/repeat_daily.sql computes the same from the clues, for databases loaded before this table existed).
CREATE OR REPLACE TABLE clue_repeat_gaps AS
WITH g AS (
    SELECT county_code, received_date,
           least(CASE WHEN credit_code IS NOT NULL THEN received_date - lag(received_date)
                          OVER (PARTITION BY credit_code ORDER BY received_date, clue_id) END,
                 CASE WHEN employer IS NOT NULL THEN received_date - lag(received_date)
                          OVER (PARTITION BY employer ORDER BY received_date, clue_id) END,
                 CASE WHEN project_id IS NOT NULL THEN received_date - lag(received_date)
                          OVER (PARTITION BY project_id ORDER BY received_date, clue_id) END) AS gap
    FROM clues
    WHERE status <> 'returned'
)
SELECT county_code, received_date, gap::INTEGER AS gap, count(*)::BIGINT AS n
FROM g WHERE gap IS NOT NULL
GROUP BY county_code, received_date, gap
ORDER BY county_code, received_date, gap
