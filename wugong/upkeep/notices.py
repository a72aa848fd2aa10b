"""Delivering notices: in-app, and by SMS through wugong.people.sms. Each notice has a unique
key, so whatever produces it twice (a scan run twice, a retried task) delivers it once."""

from django.db import IntegrityError, transaction

from wugong.people.models import Person
from wugong.people.sms import sms_send
from wugong.upkeep.models import UpkeepNotice


def notice_deliver(
    *, person_id: int, key: str, text: str, url: str = "", sms: bool = False
) -> bool:
    """Write the notice unless one with ``key`` exists; text it too when asked and the person
    has a phone. Returns whether it was new."""
    try:
        with transaction.atomic():
            notice = UpkeepNotice.objects.create(
                person_id=person_id, key=key[:120], text=text[:300], url=url[:200]
            )
    except IntegrityError:
        return False
    if sms:
        phone = Person.objects.filter(pk=person_id).values_list("phone", flat=True).first()
        if phone:
            sms_send(phone, text)
            UpkeepNotice.objects.filter(pk=notice.pk).update(sms=True)
    return True
