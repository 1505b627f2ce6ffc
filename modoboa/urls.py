"""Root URL configuration of a Modoboa instance."""

urlpatterns = []
