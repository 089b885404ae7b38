"""A Cluster client's ``ASKING`` kept on the connection of the command it is for.

redis-py's asyncio Cluster client follows an ``ASK`` redirection (a key of a slot being moved,
already on the node the slot goes to) by sending ``ASKING`` to that node, then the command, as
two calls each on a connection from the node's pool; the pool hands out the connection free the
longest first, so once the node holds two or more the command goes on one that never had
``ASKING``: the node answers ``MOVED`` back to the slot's owner, which answers ``ASK`` again,
until redis-py's tries run out (cluster59c: every read and page view of a visitor in a slot
being moved failed on any site busier than one request at a time). Each node here hands out
the connection freed last: the one ``ASKING`` was just sent on, for the command that follows it
in the same task with no pass of the loop between them (a connection busy elsewhere is never
in the free list). A client whose inner names differ (another redis-py) is left as it is.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio.cluster import ClusterNode, NodesManager


class LatestFirstNode(ClusterNode):
    """A node that hands out the connection freed last (see above)."""

    __slots__ = ()

    def acquire_connection(self) -> Any:
        return self._free.pop() if self._free else super().acquire_connection()


class KeepingNodes(NodesManager):
    """Nodes whose new nodes (a slot map, a ``MOVED`` to a new address) hand out the
    connection freed last."""

    __slots__ = ()

    def set_nodes(self, old: dict[str, Any], new: dict[str, Any], *args: Any, **kw: Any) -> None:
        super().set_nodes(old, new, *args, **kw)
        for node in old.values():
            latest_first(node)


def asking_kept(cluster: Any) -> None:
    """Every node of ``cluster`` (those it has, and those its slot maps add) hands out its
    latest freed connection first."""
    nodes: Any = getattr(cluster, "nodes_manager", None)
    if type(nodes) is not NodesManager:  # (another redis-py's, or told already)
        return
    nodes.__class__ = KeepingNodes  # (the same slots: a subclass adds none)
    for node in [*nodes.nodes_cache.values(), *nodes.startup_nodes.values()]:
        latest_first(node)


def latest_first(node: Any) -> None:
    if type(node) is ClusterNode:
        node.__class__ = LatestFirstNode
