-- Shared filter conditions (included by other queries; huxin.data.sql drops these first two lines, keep them two):
-- the drill-down filters (huxin.data.Filters) a case takes itself, on cases k LEFT JOIN projects p.
      AND ($search = '' OR contains(lower(k.employer), lower($search)) OR contains(lower(k.case_id), lower($search))
           OR contains(lower(coalesce(k.project_id, '')), lower($search))
           OR contains(lower(coalesce(p.name, '')), lower($search)))
      AND (len($investment_types) = 0 OR list_contains($investment_types, p.investment_type))
      AND (len($sectors) = 0 OR list_contains($sectors, p.sector))
      AND ($date_from IS NULL OR k.opened_date >= $date_from)
      AND ($date_to IS NULL OR k.opened_date <= $date_to)
