"""Report: tables as files people download (CSV, Excel)."""
