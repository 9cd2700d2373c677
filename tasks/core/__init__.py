"""The machinery every platform task shares: the task base and its retry policy."""
