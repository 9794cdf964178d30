"""Long-running background loops (indexer, mail sender, bulletin fan-out) yield the CPU to the web workers."""
import logging
import os

from flask import current_app

log = logging.getLogger(__name__)


def lower_priority() -> int:
    """Raise this process's niceness to BACKGROUND_NICE (never lower it); return the niceness now in force.

    The loops' work can wait a few seconds, a member's request cannot: on a busy machine the scheduler then
    gives web workers the CPU first and the loops catch up in the idle moments. 0 leaves the priority alone.
    """
    target = int(current_app.config["BACKGROUND_NICE"])
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if target > current:
        os.setpriority(os.PRIO_PROCESS, 0, min(target, 19))
        log.info("background loop niceness raised from %s to %s", current, min(target, 19))
    return os.getpriority(os.PRIO_PROCESS, 0)
