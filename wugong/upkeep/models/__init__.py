"""Models of 建设共管 (managing together). One module per capability, so inspections,
volunteers, mediation and village rules can add theirs beside these:

* ``visits``: key-household visits (五天一见面), the per-household schedule, temporary assistance;
* ``reports``: problem reports (接诉即办) with escalation, Open311 API clients;
* ``notices``: in-app notices and the reminders' de-duplication keys.
"""

from wugong.upkeep.models.notices import UpkeepNotice
from wugong.upkeep.models.reports import (
    ApiClient,
    PlacePoint,
    Report,
    ReportCategory,
    ReportChannel,
    ReportEvent,
    ReportEventKind,
    ReportPhoto,
    ReportStatus,
)
from wugong.upkeep.models.visits import (
    Assistance,
    AssistanceStatus,
    Visit,
    VisitDue,
    VisitHow,
    VisitInterval,
)

__all__ = [
    "ApiClient",
    "Assistance",
    "AssistanceStatus",
    "PlacePoint",
    "Report",
    "ReportCategory",
    "ReportChannel",
    "ReportEvent",
    "ReportEventKind",
    "ReportPhoto",
    "ReportStatus",
    "UpkeepNotice",
    "Visit",
    "VisitDue",
    "VisitHow",
    "VisitInterval",
]
