"""What gunicorn.conf.py does to each worker once the app is loaded."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_hides_what_it_loaded_and_collects_less_often():
    conf = runpy.run_path(str(CONF))
    before = gc.get_threshold()
    try:
        conf["post_worker_init"](object())
        frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)

    assert frozen > 0
    assert thresholds == conf["GC_THRESHOLDS"]
    # A request of a thousand comments builds some tens of thousands of objects, all freed
    # when it ends: the youngest generation is collected no more than once in such a request.
    assert thresholds[0] >= 50_000
