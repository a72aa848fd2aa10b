"""Background work of common-ground conversations: recomputing the opinion groups."""

from django_tasks import task

from wugong.consensus.models import ComputedResult, Conversation


@task()
def conversation_compute_task(*, conversation_id: int) -> str:
    """Recompute a conversation's groups after votes (queued by
    services.conversation_compute_schedule, at most once a minute). Clears the schedule mark
    first, so a vote arriving while this runs queues the next compute. Returns the status."""
    from wugong.consensus.services import conversation_compute

    Conversation.objects.filter(pk=conversation_id).update(compute_due_at=None)
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        return "gone"
    result: ComputedResult = conversation_compute(conversation=conversation)
    return str(result.status)
