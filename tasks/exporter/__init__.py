"""The platform's one Prometheus exporter: the cluster-wide series, served by `celery -A tasks metrics serve`.

Above the domains, since it reads what they keep: the shared metrics, the last health
result and the documents being ingested.
"""

from tasks.exporter.collector import ClusterCollector, cluster_registry

__all__ = ["ClusterCollector", "cluster_registry"]
