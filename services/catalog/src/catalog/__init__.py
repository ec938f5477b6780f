"""OpenCME catalog service."""
