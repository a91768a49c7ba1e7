"""Normalize: one model of a serving deployment, whatever the source format, with a Loc on every value."""
