"""Pull-request monitoring: poll GitHub, read check runs, explain failures, apply guarded fixes."""
