"""OpenCME notifications: every email the portal sends, queued with the event that causes it and delivered by SMTP."""
