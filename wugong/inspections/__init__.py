"""周五一检查 Friday inspections: checklists, weekly rounds, scores per household."""
