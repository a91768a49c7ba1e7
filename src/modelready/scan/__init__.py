"""Scanners run by subprocess after the checks: their findings join modelready's, their results decide `scan` items."""
