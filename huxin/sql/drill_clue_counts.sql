-- Clue counts of one drill-down level per key of the level below (see _drill_clues.sql). Same definitions as
-- county_aggregates.sql: received / closed / closed on time count the clues received in [$start, $as_of]; open,
-- overdue and the open amount count every clue open at $as_of; workers those received in the period.
WITH {clue_due}, {drill_clues}
SELECT key,
    count(*) FILTER (WHERE received_date >= $start)::BIGINT AS received,
    count(*) FILTER (WHERE received_date >= $start AND NOT is_open)::BIGINT AS closed,
    count(*) FILTER (WHERE received_date >= $start AND NOT is_open AND closed_date <= due_date)::BIGINT
        AS closed_on_time,
    count(*) FILTER (WHERE is_open)::BIGINT AS open_clues,
    count(*) FILTER (WHERE is_open AND due_date < $as_of)::BIGINT AS overdue_open,
    coalesce(sum(amount) FILTER (WHERE is_open), 0)::DOUBLE AS amount_open,
    coalesce(sum(workers) FILTER (WHERE received_date >= $start), 0)::BIGINT AS workers
FROM level_clues
GROUP BY key
