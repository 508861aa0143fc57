-- 重复反映 per county and receiving day: a clue about an employer (same credit code, or same name) or a project that
-- already had a clue in the previous $repeat_days days (same day included; same-day clues are ordered by id, the first
-- is not a repeat). Looked up across every county and regardless of the user's scope, so a county's figure does not
-- depend on who asks. Returned (退回) clues take no part. A clue's flag depends only on the clues received before it
-- (nothing after its receiving day), so the per-day counts serve every as-of date and period: huxin.data.repeat_daily
-- computes them once per data version and county_aggregates sums them over [F, D].
WITH repeat_flag AS (
    SELECT county_code, received_date,
           coalesce(received_date - lag(received_date) OVER (PARTITION BY credit_code
                                                             ORDER BY received_date, clue_id) <= $repeat_days
                    AND credit_code IS NOT NULL, false)
        OR coalesce(received_date - lag(received_date) OVER (PARTITION BY employer
                                                             ORDER BY received_date, clue_id) <= $repeat_days
                    AND employer IS NOT NULL, false)
        OR coalesce(received_date - lag(received_date) OVER (PARTITION BY project_id
                                                             ORDER BY received_date, clue_id) <= $repeat_days
                    AND project_id IS NOT NULL, false) AS is_repeat
    FROM clues
    WHERE status <> 'returned'
)
SELECT county_code, received_date AS d, count(*)::BIGINT AS n
FROM repeat_flag WHERE is_repeat
GROUP BY county_code, received_date
ORDER BY county_code, d
