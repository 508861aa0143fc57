-- Open cases of one drill-down level per key of the level below (see _drill_clues.sql). A case is placed in the
-- township of its clue, else of its project. It takes the search, investment type, sector and date range (opened
-- date) filters itself, the township filter through that township, and — while $clue_only (a filter only clues
-- have: source, industry, status, warning level, verdict) — only cases opened from a clue that passes the filters.
WITH {clue_due}, {drill_clues},
level_cases AS (
    SELECT k.case_id, k.county_code, coalesce(c.township, p.township, $unset) AS township_key,
           coalesce(k.project_id, '') AS project_key
    FROM cases k LEFT JOIN projects p USING (project_id) LEFT JOIN clues c ON c.clue_id = k.clue_id
    WHERE k.opened_date <= $as_of AND (k.closed_date IS NULL OR k.closed_date > $as_of)
      AND ($counties IS NULL OR list_contains($counties, k.county_code))
      {case_filters}
      -- (the constant condition inside lets DuckDB skip reading the clues when no clue-only filter is set)
      AND ($clue_only = false OR k.clue_id IN (SELECT clue_id FROM filtered_clues WHERE $clue_only))
)
SELECT CASE $by WHEN 'county_code' THEN county_code WHEN 'township' THEN township_key
                WHEN 'project_id' THEN project_key ELSE '' END AS key,
       count(*)::BIGINT AS open_cases
FROM level_cases
WHERE (len($townships) = 0 OR list_contains($townships, township_key))
  AND ($township IS NULL OR township_key = $township) AND ($project IS NULL OR project_key = $project)
GROUP BY ALL
