"""Import accounts, contacts and opportunities from other CRMs' CSV exports; export to CSV."""
