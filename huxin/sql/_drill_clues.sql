-- Shared CTEs of the drill-down queries (included by other queries; huxin.data.sql drops these first two lines, keep
-- them two). Needs {clue_due} before it. Parameters: the filters (_clue_filters.sql), $unset (the township key of a
-- record without one), $use_ids (restrict to the clue ids in the registered table passing_ids: the clues whose
-- warning level passes the level filter, computed by huxin.rules), $township / $project (NULL = any; '' = no
-- project) and $by ('county_code' | 'township' | 'project_id' | anything else = one row with key '').
clue_project AS (
    SELECT d.*, p.name AS project_name, p.investment_type, p.sector
    FROM clue_due d LEFT JOIN projects p USING (project_id)
),
-- every clue of the scope that passes the filters, at any drill-down level
filtered_clues AS (
    SELECT clue_id, county_code, coalesce(township, $unset) AS township_key, coalesce(project_id, '') AS project_key,
           employer, credit_code, received_date, due_date, workdays_to_due, is_open,
           CASE WHEN is_open THEN NULL ELSE closed_date END AS closed_date, workers, amount, investment_type
    FROM clue_project
    WHERE ($use_ids = false OR clue_id IN (SELECT clue_id FROM passing_ids))
      {clue_filters}
),
-- those of this level, each with the key of the level below
level_clues AS (
    SELECT *, CASE $by WHEN 'county_code' THEN county_code WHEN 'township' THEN township_key
                       WHEN 'project_id' THEN project_key ELSE '' END AS key
    FROM filtered_clues
    WHERE ($township IS NULL OR township_key = $township) AND ($project IS NULL OR project_key = $project)
)
