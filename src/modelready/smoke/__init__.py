"""`modelready smoke`: start one deployment for real and measure it.

target (what to start, from the normalized model or --command/--image) -> launch (a process or a
docker container) -> wait for readiness (cold start) -> canary prompts -> bounded load -> GPU and
/metrics samples -> teardown, always -> verdict (catalog smoke items, ModelSpec SLOs) -> smoke-result.json.
"""
