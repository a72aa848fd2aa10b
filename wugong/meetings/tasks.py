"""Background work of meetings: the SMS part of a meeting notice (会前通知)."""

from django_tasks import task

from wugong.meetings.models import MeetingNotification
from wugong.people.models import Person
from wugong.people.sms import sms_send


@task()
def meeting_notice_sms(*, meeting_id: int, person_ids: list[int], text: str) -> int:
    """Text the notice to each invited person with a phone; mark their notice as texted.
    Returns how many messages were sent."""
    sent = []
    for person_id, phone in Person.objects.filter(pk__in=person_ids).values_list("pk", "phone"):
        if phone:
            sms_send(phone, text)
            sent.append(person_id)
    MeetingNotification.objects.filter(meeting_id=meeting_id, person_id__in=sent).update(sms=True)
    return len(sent)
