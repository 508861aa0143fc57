-- Shared CTE (included by other queries): every non-returned clue received on or before $as_of in scope, with its
-- due date = the N-th working day after the receiving day (cal.ordinal counts working days up to a date).
clue_due AS (
    SELECT c.*,
           coalesce(dd.n, $default_n) AS n_days,
           due.d AS due_date,
           due.ordinal - dnow.ordinal AS workdays_to_due,
           (c.closed_date IS NULL OR c.closed_date > $as_of) AS is_open
    FROM clues c
    JOIN cal rc ON rc.d = c.received_date
    LEFT JOIN deadline_days dd ON dd.source = c.source
    JOIN cal due ON due.is_workday AND due.ordinal = rc.ordinal + coalesce(dd.n, $default_n)
    CROSS JOIN (SELECT ordinal FROM cal WHERE d = $as_of) dnow
    WHERE c.status <> 'returned'
      AND c.received_date <= $as_of
      AND ($counties IS NULL OR list_contains($counties, c.county_code))
)
