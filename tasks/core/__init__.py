"""The machinery every platform task shares: the task base, its retry policy and the hook events it reports."""
