"""The state of a login waiting for its second factor, kept in the
(still anonymous) session between the password page and the code page.
"""

import time

from django.contrib.auth import get_user_model

PENDING_KEY = "_twofactor_pending"
# Set on the session of an account that must enrol before doing anything.
ENROLMENT_KEY = "_twofactor_enrolment_required"
# Minutes a user has to type the code after its password.
PENDING_LIFETIME = 5 * 60


def begin(request, user, *, remember=False, next_url=""):
    """Remember that ``user`` passed the password step."""
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": getattr(user, "backend", None),
        "started": int(time.time()),
        "remember": bool(remember),
        "next": next_url or "",
    }


def pending(request):
    """Return ``(user, state)`` for the login in progress, or None."""
    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict):
        return None
    if time.time() - state.get("started", 0) > PENDING_LIFETIME:
        clear(request)
        return None
    user = get_user_model().objects.filter(pk=state.get("user"), is_active=True).first()
    if user is None:
        clear(request)
        return None
    return user, state


def clear(request):
    request.session.pop(PENDING_KEY, None)


def require_enrolment(request):
    request.session[ENROLMENT_KEY] = True


def enrolment_required(request):
    return bool(request.session.get(ENROLMENT_KEY))


def enrolment_done(request):
    request.session.pop(ENROLMENT_KEY, None)
