from .pages import HomePage, ServiceIndexPage, ServicePage, ServiceRelation
from .snippets import Authority, LifeEvent

__all__ = ["Authority", "HomePage", "LifeEvent", "ServiceIndexPage", "ServicePage", "ServiceRelation"]
