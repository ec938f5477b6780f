"""The service kit (opencme-kit): what every OpenCME service needs and that holds no service's business rule.

The outbox and its relay, the inbox consumer with its dead-letter topic, problem+json errors and domain refusals,
token checks, JSON logs with correlation ids, merged-account resolution, migrations and the API/worker assembly.
Every service depends on this package (and on opencme-contracts) and on nothing else of the repository.
"""
