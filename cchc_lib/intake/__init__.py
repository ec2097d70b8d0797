"""Data coming in: long tables (CSV/XLSX), the monthly Excel forms, ingestion, sample data."""
