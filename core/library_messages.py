"""Messages of the libraries the portal uses that have no Arabic of their own.

`makemessages` keeps only the messages it finds in the portal's code and sets the others aside as obsolete.
Marking a library's message here keeps its Arabic in the portal's catalogue, where Django's translation
finds it whichever app asks (catalogues are merged at run time). Nothing imports this module.
"""

from django.utils.translation import gettext_noop

LIBRARY_MESSAGES = (
    # django-filter's word for an `__isnull` lookup, shown in Wagtail's list filters ("Blocked until is null").
    gettext_noop("is null"),
)
