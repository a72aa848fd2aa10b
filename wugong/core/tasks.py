"""Background tasks of the core: a probe that proves the queue runs each task exactly once."""

from django_tasks import task

from wugong.core.models import LoadProbe


@task()
def probe_task(key: str) -> str:
    """Insert one LoadProbe row under a unique key and return the key. Queued by the multi-node
    test (tests/multinode) and usable by hand to check a deployment's workers:

        wugong shell -c "from wugong.core.tasks import probe_task; probe_task.enqueue('x')"

    A second run of the same task would fail on the unique key, so "ran exactly once" shows
    as one row and a SUCCESSFUL result."""
    LoadProbe.objects.create(key=f"task:{key}"[:64])
    return key
