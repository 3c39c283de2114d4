"""VBA sources for the master workbook (shipped as package data)."""
