"""Publish: the runner's environment in, the job summary, outputs, sticky comment and check run out."""
