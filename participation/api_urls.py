from .api import comments, consultations, petitions, polls

urlpatterns = [*petitions.urlpatterns, *consultations.urlpatterns, *polls.urlpatterns, *comments.urlpatterns]
