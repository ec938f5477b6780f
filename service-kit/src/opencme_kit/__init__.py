"""The service kit: outbox, inbox consumers, problem+json errors, token checks, logs and health.

Canonical copy. Every service carries an identical copy in `src/<service>/kit/` so that it installs and runs with
only `contracts` beside it; `python service-kit/sync.py` refreshes the copies and a test fails when one drifts.
"""
