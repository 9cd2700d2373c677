"""Schedules: cron expressions down to the second, stored by the leader-locked beat scheduler."""
