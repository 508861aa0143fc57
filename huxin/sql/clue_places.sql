-- Where the clues of a drill-down level (see _drill_clues.sql) that pass the filters were reported: county and
-- project only (the map's heat layer places each clue at its project's point, else its county's; no ledger text).
WITH {clue_due}, {drill_clues}
SELECT county_code, project_key AS project_id
FROM level_clues
