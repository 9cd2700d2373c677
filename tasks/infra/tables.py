"""The platform's DynamoDB tables: edit this list to declare, change or add tables.

Each environment gets its own copy named `{environment}-{name}`. Every key attribute
(of the table and of its indexes) is declared in `attributes`, and nothing else.
Read by `tasks.infra.specs.load_tables` (setting `TASKS_INFRA__TABLES`).
"""

from __future__ import annotations

from tasks.infra.specs import IndexSpec, TableSpec

TABLES = [
    TableSpec(
        name="users",
        attributes={"user_id": "S", "email": "S"},
        partition_key="user_id",
        # The application looks users up by email.
        indexes=(IndexSpec(name="email-index", partition_key="email"),),
        point_in_time_recovery=True,
        tags={"data": "users"},
    ),
    TableSpec(
        name="sessions",
        attributes={"session_id": "S", "user_id": "S", "created_at": "N", "token_hash": "S"},
        partition_key="session_id",
        indexes=(
            IndexSpec(name="user-sessions-index", partition_key="user_id", sort_key="created_at"),
            IndexSpec(
                name="token-index",
                partition_key="token_hash",
                projection="INCLUDE",
                non_key_attributes=("user_id", "expires_at"),
            ),
        ),
        billing_mode="PROVISIONED",
        read_capacity=5,
        write_capacity=5,
        ttl_attribute="expires_at",
        tags={"data": "sessions"},
    ),
]
