"""The refusals of ``recordCost``, its result union, and the table from graph outcome to
error."""

from __future__ import annotations

from typing import Annotated

import strawberry

from growthgraph.api.errors import (
    IdConflictError,
    InvalidInputError,
    OutcomeErrors,
    UnknownCampaignError,
    UnknownReferrerError,
    id_conflict,
    unknown_campaign,
    unknown_referrer,
)
from growthgraph.api.sources.types import RecordCostSuccess
from growthgraph.graph.outcomes import IdConflict, UnknownCampaign, UnknownReferrer

CostError = IdConflictError | UnknownReferrerError | UnknownCampaignError

COST_ERRORS: OutcomeErrors[CostError] = {
    IdConflict: id_conflict,
    UnknownReferrer: unknown_referrer,
    UnknownCampaign: unknown_campaign,
}

RecordCostResult = Annotated[
    RecordCostSuccess | InvalidInputError | CostError,
    strawberry.union("RecordCostResult"),
]
