#!/usr/bin/env python3
"""moto_server, with a lock around its call recorder and DMS's timestamps on the wire format.

moto appends each recorded request to one file with two writes and no lock; when requests run
concurrently (cw-exporter sends several GetMetricData calls at once) large entries interleave
and the recording cannot be read. Counting calls at moto's recorder is how the tests check the
exporter's API usage, so the recorder is serialised here.

moto's DMS writes timestamps (InstanceCreateTime, ReplicationTaskCreationDate, ...) as ISO
strings, where its JSON protocol has epoch seconds, as AWS sends them: boto3 reads either, the
Rust SDK refuses the strings. They are rewritten to epoch seconds here, nothing else is
touched. Arguments are moto_server's.
"""
import datetime as dt
import json
import threading

from moto.moto_api._internal.recorder import models

_lock = threading.Lock()
_record = models.Recorder._record_request


def _record_locked(self, *args, **kwargs):
    with _lock:
        return _record(self, *args, **kwargs)


models.Recorder._record_request = _record_locked


def _epoch(v):
    if isinstance(v, dict):
        return {k: _epoch_field(k, x) for k, x in v.items()}
    if isinstance(v, list):
        return [_epoch(x) for x in v]
    return v


def _epoch_field(key, v):
    if isinstance(v, str) and (key.endswith("Time") or key.endswith("Date")):
        try:
            t = dt.datetime.fromisoformat(v)
        except ValueError:
            return v
        return (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)).timestamp()
    return _epoch(v)


def _dms_epochs():
    from moto.dms.responses import DatabaseMigrationServiceResponse as R

    for name in ("describe_replication_instances", "describe_replication_tasks"):
        original = getattr(R, name)

        def wrapped(self, _original=original):
            out = _original(self)
            return json.dumps(_epoch(json.loads(out))) if isinstance(out, str) else out

        setattr(R, name, wrapped)


_dms_epochs()

if __name__ == "__main__":
    from moto.server import main

    main()
