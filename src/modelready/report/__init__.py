"""Reporters: each renders the one report document (report/document.py) and knows nothing of checks."""
