"""The groupcast gateway process."""
