"""The catalogue page's "Last training" in words: when the served version was trained,
how long it took, what it learned from, how the last attempt went, and the version's own
held-out figures (`engine.held_out`, recorded in its metadata at training).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from widget.retraining import TrainingStatus

# What the figures' names mean, in the order the page shows them.
HELD_OUT_METRICS = {
    "hr@20": "Next product among the 20 shown",
    "mrr@20": "Mean reciprocal rank",
    "coverage@20": "Catalogue covered",
    "tail_share@20": "Long-tail share",
}
MODEL_NAMES = {"basketlift": "Served model", "pop": "The 20 most popular products"}
_NO_FIGURES = {
    "no_recent_sessions": "no browsing session started in the last {days} days of the shop's "
    "events, so there was nothing to test on",
    "no_earlier_sessions": "every browsing session started in the last {days} days, so none "
    "was left to fit the models on",
    "no_cases": "the browsing sessions of the last {days} days have one product each, and "
    "telling the next product needs two",
}


def utc_time(at: float | None) -> str:
    if at is None:
        return "never"
    return datetime.datetime.fromtimestamp(at, datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def duration(seconds: float) -> str:
    """`12.3 seconds`, `4 minutes 5 seconds`, `2 hours 3 minutes`."""
    if seconds < 60:
        return f"{seconds:.1f} seconds"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} minute{'s' * (minutes != 1)} {rest} second{'s' * (rest != 1)}"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} hour{'s' * (hours != 1)} {minutes} minute{'s' * (minutes != 1)}"


def _count(value: int, one: str, many: str) -> str:
    return f"{value:,} {one if value == 1 else many}"


def trained(version: str, metadata: dict[str, Any], status: TrainingStatus) -> str:
    """One sentence: the version, when and how long it was trained, what it learned from."""
    when = ""
    if status.version == version and status.succeeded_at is not None:
        when = f", trained on {utc_time(status.succeeded_at)} in {duration(status.seconds)},"
    learned = _count(int(metadata.get("events", 0)), "event", "events")
    sizes = [
        _count(int(metadata[name]), one, many)
        for name, one, many in (
            ("items", "product", "products"),
            ("visitors", "visitor", "visitors"),
            ("sessions", "browsing session", "browsing sessions"),
            ("baskets", "order", "orders"),
        )
        if name in metadata
    ]
    if sizes:
        learned += ": " + ", ".join(sizes[:-1]) + (" and " if len(sizes) > 1 else "") + sizes[-1]
    return f"Version {version}{when} learned from {learned}."


def attempt(status: TrainingStatus) -> str | None:
    """How the last attempt went; None when none is recorded."""
    if status.last_failed:
        return (
            f"The last attempt, on {utc_time(status.failed_at)}, failed: {status.reason}. "
            f"The version above is still served; the next attempt is at "
            f"{utc_time(status.next_attempt_at)}."
        )
    if status.succeeded_at is not None:
        return "The last attempt succeeded."
    return None


@dataclass(frozen=True)
class HeldOut:
    """The version's held-out figures, or why there are none (`summary` says which)."""

    summary: str
    rows: list[tuple[str, list[str]]]


def held_out(metadata: dict[str, Any]) -> HeldOut:
    found = metadata.get("evaluation")
    if not found:
        return HeldOut(
            "This version was trained before Basketlift measured each training on the "
            "shop's own data: its figures come with the next training.",
            [],
        )
    days = f"{found['test_days']:g}"
    if found["reason"]:
        why = _NO_FIGURES.get(found["reason"], found["reason"]).format(days=days)
        return HeldOut(f"No figures for this training: {why}.", [])
    models = {model["model"]: model for model in found["models"]}
    summary = (
        f"Measured at training on this shop's own last {days} days: the models were fitted "
        f"on the {_count(found['train_sessions'], 'browsing session', 'browsing sessions')} "
        f"that started before, then asked, at each of the {found['cases']:,} steps of the "
        f"{found['test_sessions']:,} sessions since, which product the visitor looked at next."
    )
    served, baseline = models.get("basketlift"), models.get("pop")
    if served and baseline:
        summary += (
            f" The served model had it among its 20 {served['hr@20']:.1%} of the time; "
            f"the 20 most popular products would have had it {baseline['hr@20']:.1%} of the time."
        )
    rows = []
    for name, model in models.items():
        cells = [
            f"{model[key]:.3f}" if key == "mrr@20" else f"{model[key]:.1%}"
            for key in HELD_OUT_METRICS
        ]
        rows.append((MODEL_NAMES.get(name, name), cells))
    return HeldOut(summary, rows)
