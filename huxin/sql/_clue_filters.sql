-- Shared filter conditions (included by other queries; huxin.data.sql drops these first two lines, keep them two):
-- the drill-down filters (huxin.data.Filters) on the columns of clue_due joined with the clue's project.
      AND (len($statuses) = 0 OR list_contains($statuses, CASE WHEN is_open THEN
               CASE WHEN status = 'closed' THEN 'in_progress' ELSE status END ELSE 'closed' END))
      AND (len($sources) = 0 OR list_contains($sources, source))
      AND (len($industries) = 0 OR list_contains($industries, industry))
      AND (len($verdicts) = 0 OR list_contains($verdicts, verdict))
      AND (len($townships) = 0 OR list_contains($townships, township))
      AND ($date_from IS NULL OR received_date >= $date_from)
      AND ($date_to IS NULL OR received_date <= $date_to)
      AND ($search = '' OR contains(lower(coalesce(employer, '')), lower($search))
           OR contains(lower(coalesce(clue_id, '')), lower($search))
           OR contains(lower(coalesce(credit_code, '')), lower($search))
           OR contains(lower(coalesce(project_id, '')), lower($search))
           OR contains(lower(coalesce(project_name, '')), lower($search)))
      AND (len($investment_types) = 0 OR list_contains($investment_types, investment_type))
      AND (len($sectors) = 0 OR list_contains($sectors, sector))
