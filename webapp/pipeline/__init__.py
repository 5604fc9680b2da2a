"""Pipeline truth: qualified coverage, the farming algorithm, forecasts and one-to-ones."""
