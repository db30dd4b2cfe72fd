#!/usr/bin/env python3
"""moto_server, with a lock around its call recorder.

moto appends each recorded request to one file with two writes and no lock; when requests run
concurrently (cw-exporter sends several GetMetricData calls at once) large entries interleave
and the recording cannot be read. Counting calls at moto's recorder is how the tests check the
exporter's API usage, so the recorder is serialised here. Arguments are moto_server's.
"""
import threading

from moto.moto_api._internal.recorder import models

_lock = threading.Lock()
_record = models.Recorder._record_request


def _record_locked(self, *args, **kwargs):
    with _lock:
        return _record(self, *args, **kwargs)


models.Recorder._record_request = _record_locked

if __name__ == "__main__":
    from moto.server import main

    main()
