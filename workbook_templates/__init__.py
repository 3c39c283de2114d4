"""Committed workbook templates (rebuilt by `python scripts/build_templates.py`)."""
