"""Housekeeping run by beat: the dead-letter store's retention."""
