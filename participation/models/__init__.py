"""The participation sub-portal's models, one module per concern."""

from .comments import Comment, CommentVote, Stance
from .consultations import (
    ConsultationDocument,
    ConsultationPage,
    ConsultationQuestion,
    ConsultationResponse,
    QuestionKind,
)
from .moderation import (
    Announcement,
    BlockedEmailDomain,
    BlockedNetwork,
    BlockedParticipant,
    Flag,
    FlagReason,
    ModerationRecord,
)
from .pages import ParticipationIndexPage, Phase, register_page_view
from .petitions import (
    DEFAULT_DEBATE_THRESHOLD,
    DEFAULT_OPEN_FOR,
    DEFAULT_RESPONSE_THRESHOLD,
    DEFAULT_SPONSORS_NEEDED,
    Governorate,
    Petition,
    PetitionSettings,
    PetitionSignature,
    PetitionSponsor,
    PetitionTally,
    new_sponsor_token,
)
from .polls import Ballot, BallotChoice, PollKind, PollOption, PollPage, ResultsShown

__all__ = [
    "Announcement",
    "Ballot",
    "BallotChoice",
    "BlockedEmailDomain",
    "BlockedNetwork",
    "BlockedParticipant",
    "Comment",
    "CommentVote",
    "ConsultationDocument",
    "ConsultationPage",
    "ConsultationQuestion",
    "ConsultationResponse",
    "DEFAULT_DEBATE_THRESHOLD",
    "DEFAULT_OPEN_FOR",
    "DEFAULT_RESPONSE_THRESHOLD",
    "DEFAULT_SPONSORS_NEEDED",
    "Flag",
    "FlagReason",
    "Governorate",
    "ModerationRecord",
    "ParticipationIndexPage",
    "Petition",
    "PetitionSettings",
    "PetitionSignature",
    "PetitionSponsor",
    "PetitionTally",
    "Phase",
    "register_page_view",
    "PollKind",
    "PollOption",
    "PollPage",
    "QuestionKind",
    "ResultsShown",
    "Stance",
    "new_sponsor_token",
]
