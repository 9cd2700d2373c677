"""`celery -A tasks <command>` sub-commands (the `celery.commands` entry point)."""
