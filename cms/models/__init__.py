from .pages import HomePage, HomePopularService, ServiceIndexPage, ServicePage, ServiceRelation
from .snippets import Authority, LifeEvent

__all__ = [
    "Authority",
    "HomePage",
    "HomePopularService",
    "LifeEvent",
    "ServiceIndexPage",
    "ServicePage",
    "ServiceRelation",
]
