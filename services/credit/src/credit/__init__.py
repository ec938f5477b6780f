"""OpenCME credit service."""
