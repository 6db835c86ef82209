"""The bench's one table, and how its numbers compare with the targets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import load


@dataclass
class Row:
    size: str
    name: str
    measurement: load.Measurement | None = None
    note: str = ""
    bytes: int = 0
    cpu_ms: float | None = None  # the server's CPU time per request, all workers
    connections: int = 0


@dataclass(frozen=True)
class Layout:
    """Which rows mean what: the sizes in display order, and the names the targets look for."""

    order: Sequence[str]
    largest: str
    peer_size: str
    peer: str
    thread_row: str
    uncached_thread_row: str
    post_row: str
    connections: int


def table(rows: Sequence[Row], layout: Layout, header: Sequence[str], notes: Sequence[str]) -> str:
    ceilings = {r.size: r.measurement for r in rows if r.name.startswith("ceiling")}
    lines = [
        *header,
        "",
        f"{'size':<20} {'row':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'of ceiling':>10} {'CPU ms/req':>10} {'bytes':>10}  note",
    ]

    def place(row: Row) -> tuple[int, str]:
        base = next((i for i, label in enumerate(layout.order) if row.size.startswith(label)), 99)
        return (base, row.size)

    previous = None
    for row in sorted(rows, key=place):
        m = row.measurement
        ceiling = ceilings.get(row.size)
        share = _pct(m.rps / ceiling.rps) if m and ceiling and ceiling.rps else "—"
        numbers = (
            f"{_num(m.rps, 1):>8} {_num(m.p50_ms, 1):>8} {_num(m.p99_ms, 1):>8} {share:>10} "
            f"{_num(row.cpu_ms, 1):>10}"
            if m and m.requests
            else f"{'—':>8} {'—':>8} {'—':>8} {'—':>10} {'—':>10}"
        )
        size = row.size if row.size != previous else ""
        previous = row.size
        size_bytes = f"{row.bytes:,}" if row.bytes else ""
        lines.append(f"{size:<20} {row.name:<40} {numbers} {size_bytes:>10}  {row.note}".rstrip())
    return "\n".join([*lines, "", *targets(rows, layout), "", *notes])


def targets(rows: Sequence[Row], layout: Layout) -> list[str]:
    largest = layout.largest

    def find(size: str, prefix: str) -> Row | None:
        found = (r for r in rows if r.size.startswith(size) and r.name.startswith(prefix))
        return next((r for r in found if r.measurement and r.measurement.requests), None)

    def rps(row: Row | None) -> float | None:
        return row.measurement.rps if row and row.measurement else None

    def at(row: Row | None) -> str:
        return " (at 1 connection)" if row and row.connections == 1 else ""

    def verdict(value: float | None, ok: bool) -> str:
        return "n/a" if value is None else ("met" if ok else "NOT met")

    ceiling = rps(find(largest, "ceiling"))
    anonymous, signed_in = find(largest, "treaty page, anonymous"), find(largest, "treaty page, s")
    anonymous_share = rps(anonymous) / ceiling if rps(anonymous) and ceiling else None
    signed_in_share = rps(signed_in) / ceiling if rps(signed_in) and ceiling else None
    poll = find(largest, "live poll, nothing new (204)")
    poll_share = rps(poll) / ceiling if rps(poll) and ceiling else None
    ours, peer = find(layout.peer_size, layout.thread_row), find(layout.peer, "")
    ratio, cpu_ratio = _versus(ours, peer)
    fresh = find(layout.peer_size, layout.uncached_thread_row)
    fresh_ratio, fresh_cpu_ratio = _versus(fresh, peer)
    posts = [r for r in rows if r.name == layout.post_row and r.measurement and r.connections > 1]
    worst = max((r.measurement.p99_ms for r in posts if r.measurement), default=None)
    return [
        f"Targets, at the largest size ({largest}):",
        f"  anonymous page >= 50% of the ceiling: {_pct(anonymous_share)}{at(anonymous)}, "
        + verdict(anonymous_share, anonymous_share is not None and anonymous_share >= 0.5),
        f"  signed-in page >= 25% of the ceiling: {_pct(signed_in_share)}{at(signed_in)}, "
        + verdict(signed_in_share, signed_in_share is not None and signed_in_share >= 0.25),
        f"  live poll, nothing new >= 80% of the ceiling: {_pct(poll_share)}{at(poll)}, "
        + verdict(poll_share, poll_share is not None and poll_share >= 0.8),
        f"  thread >= 2x django-comments-xtd ({layout.peer_size}): {_num(ratio, 2)}x in req/s"
        f"{at(ours)}, {_num(cpu_ratio, 2)}x in CPU per request, "
        + verdict(ratio, ratio is not None and ratio >= 2),
        f"    and with the page cache off (every request rendered): {_num(fresh_ratio, 2)}x in "
        f"req/s{at(fresh)}, {_num(fresh_cpu_ratio, 2)}x in CPU per request",
        f"  posting p99 < 100 ms at {layout.connections} connections (worst size): "
        f"{_num(worst, 1)} ms, " + verdict(worst, worst is not None and worst < 100),
    ]


def _versus(ours: Row | None, peer: Row | None) -> tuple[float | None, float | None]:
    """How many times faster ours is than the peer: in requests per second, and in CPU."""
    if not ours or not peer or not ours.measurement or not peer.measurement:
        return None, None
    ratio = ours.measurement.rps / peer.measurement.rps if peer.measurement.rps else None
    cpu = peer.cpu_ms / ours.cpu_ms if ours.cpu_ms and peer.cpu_ms else None
    return ratio, cpu


def _num(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"
