from .views import comments, consultations, petitions, polls

app_name = "participation"

urlpatterns = [*petitions.urlpatterns, *consultations.urlpatterns, *polls.urlpatterns, *comments.urlpatterns]
