"""OpenCME certificates service."""
