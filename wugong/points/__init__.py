"""积分制 points: rule tables, the append-only ledger, claims, dividends, the points supermarket."""
