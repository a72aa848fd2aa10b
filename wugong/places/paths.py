"""Materialized paths of the place tree: "/1/5/23/" is place 23 under 5 under 1.

A subtree is the half-open range [path, path[:-1] + "0"): in byte order '/' (0x2F) is directly
followed by '0' (0x30), so every descendant's path, and nothing else, lies in that range. One
B-tree range scan on both databases, never a recursion.
"""

from django.db.models import Q


def child_path(parent_path: str, pk: int) -> str:
    return f"{parent_path or '/'}{pk}/"


def subtree_q(path: str, field: str = "path") -> Q:
    """Everything at or under ``path`` (a Q on ``field``)."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


def path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def is_within(path: str, ancestor_path: str) -> bool:
    return path.startswith(ancestor_path)
