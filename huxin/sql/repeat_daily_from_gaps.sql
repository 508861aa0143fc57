-- 重复反映 per county and receiving day from the loader's clue_repeat_gaps (see huxin/sql/clue_repeat_gaps.sql); the
-- same result as huxin/sql/repeat_daily.sql, without its window functions over every clue.
SELECT county_code, received_date AS d, sum(n)::BIGINT AS n
FROM clue_repeat_gaps
WHERE gap <= $repeat_days
GROUP BY county_code, received_date
ORDER BY county_code, d
