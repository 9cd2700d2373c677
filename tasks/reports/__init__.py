"""The daily summary: what the platform did since the previous one."""
