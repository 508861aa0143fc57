-- The open clues of one drill-down level (see _drill_clues.sql) with what their warning level needs
-- (huxin.rules.clue_warning_frame): only these can carry a level, so the level filter and the red count need no more.
WITH {clue_due}, {drill_clues}
SELECT county_code, township_key, project_key, clue_id, employer, received_date, due_date, workdays_to_due,
       workers, amount, investment_type
FROM level_clues
WHERE is_open
ORDER BY received_date DESC, clue_id
