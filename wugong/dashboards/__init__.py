"""大屏 dashboards and 晒成绩单 report cards: rollups refreshed in the background (reads only)."""
