"""OpenCME's development and test stack, started by the project itself (no Docker needed)."""
