"""试点 pilot sites: standard checklists, monthly experience reports, the case library."""
