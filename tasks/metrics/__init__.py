"""Task metrics shared by every worker and host, kept in Redis.

`snapshot(app)` reads them; `tasks.metrics.prometheus` serves them on `/metrics`.
"""

from tasks.metrics.snapshot import snapshot

__all__ = ["snapshot"]
