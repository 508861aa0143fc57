-- Shared CTE (included by other queries; huxin.data.sql drops these first two lines, keep them two): every
-- non-returned clue received on or before $as_of in scope, with its due date and whether it is open at $as_of.
clue_due AS (
    -- Due date = the N-th working day after the receiving day. cal.ordinal counts working days up to a date, so the
    -- receiving day never counts, whatever day it is: due.ordinal = ordinal(received) + N and due.is_workday.
    -- N = deadline_days.n for the clue's source, else $default_n.
    -- Returned clues (退回: sent back to the dispatching platform as not this county's matter or not wage arrears)
    -- are no county's workload and are left out of every indicator. The ledger records no date of return, so this
    -- holds at every as-of date (the one status that cannot be replayed as of an earlier D).
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
