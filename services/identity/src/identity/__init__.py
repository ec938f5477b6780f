"""OpenCME identity service."""
