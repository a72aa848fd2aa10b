"""The demo conversation: loads on any county and its map shows groups."""

import random

from wugong.consensus.models import ComputedResult, Conversation, Statement, StatementVote
from wugong.core.demo import DemoContext


def test_demo_conversation_is_computed_into_groups(county) -> None:
    """Without what earlier demo parts leave in ctx.data, the demo still finds a village and
    makes a conversation of ~30 statements and ~200 voters, grouped and published."""
    from wugong.consensus import demo

    demo.load(DemoContext(rng=random.Random(7), households=0))
    conversation = Conversation.objects.get()
    assert conversation.topic == "村里的钱先花在哪里" and conversation.place.kind == "village"
    assert Statement.objects.filter(conversation=conversation).count() == 30
    assert Statement.objects.filter(conversation=conversation, status="pending").count() == 1
    result = ComputedResult.objects.get(conversation=conversation)
    assert result.status == "grouped" and result.data["k"] >= 2
    assert result.n_participants == 200
    assert StatementVote.objects.filter(conversation=conversation).count() == result.n_votes
    assert conversation.published
