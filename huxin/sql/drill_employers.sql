-- Employers with two or more clues received in [$start, $as_of] at one drill-down level (see _drill_clues.sql),
-- keyed by credit code, else by name. employer / credit_code: those of the employer's latest clue; blacklisted: a
-- case in scope (any filters aside) against any of its names is on the blacklist.
WITH {clue_due}, {drill_clues},
in_period AS (
    SELECT *, CASE WHEN credit_code IS NOT NULL AND credit_code <> '' THEN credit_code ELSE employer END AS ekey
    FROM level_clues WHERE received_date >= $start
),
by_employer AS (
    SELECT ekey AS key,
           first(employer ORDER BY received_date DESC, clue_id) AS employer,
           first(credit_code ORDER BY received_date DESC, clue_id) FILTER (WHERE credit_code IS NOT NULL)
               AS credit_code,
           count(*)::BIGINT AS clues, count(*) FILTER (WHERE is_open)::BIGINT AS open_clues,
           count(DISTINCT county_code)::BIGINT AS counties,
           coalesce(sum(workers), 0)::BIGINT AS workers, coalesce(sum(amount), 0)::DOUBLE AS amount
    FROM in_period GROUP BY ekey HAVING count(*) >= 2
),
top_employers AS (
    SELECT * FROM by_employer ORDER BY clues DESC, amount DESC, key LIMIT $top
),
blacklisted AS (
    SELECT DISTINCT employer FROM cases
    WHERE blacklisted AND opened_date <= $as_of AND ($counties IS NULL OR list_contains($counties, county_code))
)
SELECT t.key, t.employer, t.credit_code, t.clues, t.open_clues, t.counties, t.workers, t.amount,
       EXISTS (SELECT 1 FROM in_period i JOIN blacklisted b ON b.employer = i.employer WHERE i.ekey = t.key)
           AS blacklisted
FROM top_employers t
ORDER BY t.clues DESC, t.amount DESC, t.key
