"""Housekeeping run by beat: stale documents and the dead-letter store's retention."""
