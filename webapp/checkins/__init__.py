"""Check-in and check-out on an account (issue 15 item 3)."""
