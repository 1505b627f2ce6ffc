"""Pages of the writing side, joined under /webmail/ in the ``compose``
namespace (``reverse("webmail:compose:<name>")``).
"""

urlpatterns = []
