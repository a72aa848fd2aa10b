"""Background work of the needs list: telling people what happened to a need."""

from django_tasks import task

from wugong.needs.models import Need, NeedFollower, Notification
from wugong.people.sms import sms_send


@task()
def need_notify(
    *,
    need_id: int,
    text: str,
    exclude_person_id: int | None = None,
    sms: bool = False,
    person_ids: list[int] | None = None,
) -> int:
    """Leave an in-app notice for the need's reporter and followers (or exactly ``person_ids``),
    not for the person who made the change; with ``sms`` also text the reporter (an answer or
    a decline). Returns how many notices were written."""
    need = Need.objects.select_related("reporter").filter(pk=need_id).first()
    if need is None:
        return 0
    if person_ids is not None:
        people = set(person_ids)
    else:
        followers = NeedFollower.objects.filter(need=need).values_list("person_id", flat=True)
        people = {need.reporter_id, *followers}
    people.discard(exclude_person_id)
    Notification.objects.bulk_create(
        Notification(person_id=pk, need=need, text=text[:300]) for pk in sorted(people)
    )
    if sms and need.reporter.phone and need.reporter_id != exclude_person_id:
        sms_send(need.reporter.phone, text)
    return len(people)
