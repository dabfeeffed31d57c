"""Automatic retraining: each shop's models are trained again on a schedule and when
enough new events arrived, by one process at a time, in a child process so that serving
never waits, and a failed training keeps the previous models served.

`schedule` decides when, `lock` lets one process train a shop, `status` is what the
store remembers of its trainings (the dashboard shows it), `attempt` runs one training
under the lock and records it (`basketlift train` too), `process` trains in a child
process (`child`), and `scheduler` puts them together beside the stream consumers.
Imports `engine`, `tracker` and `widget.platform` only.
"""

from __future__ import annotations

from widget.retraining.attempt import (
    Outcome,
    TrainingFailed,
    TrainingInterrupted,
    manual_attempt,
    run_attempt,
)
from widget.retraining.lock import Holding, TrainingLock, holding
from widget.retraining.process import ChildProcessTrainer
from widget.retraining.schedule import RetrainPolicy, due
from widget.retraining.scheduler import RetrainingScheduler, deployment_scheduler
from widget.retraining.status import Attempt, TrainingStatus, entries_added, read_status

__all__ = [
    "Attempt",
    "ChildProcessTrainer",
    "Holding",
    "Outcome",
    "RetrainPolicy",
    "RetrainingScheduler",
    "TrainingFailed",
    "TrainingInterrupted",
    "TrainingLock",
    "TrainingStatus",
    "deployment_scheduler",
    "due",
    "entries_added",
    "holding",
    "manual_attempt",
    "read_status",
    "run_attempt",
]
