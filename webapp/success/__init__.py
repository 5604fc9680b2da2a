"""Customer success (health, goals, renewals), cascade deals (reference customers) and the
rep's effort against potential (issue 14 items 4, 6 and 7)."""
