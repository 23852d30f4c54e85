"""Who may do what through the API; DRF asks before the view does anything."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffOrReadOnly(BasePermission):
    """Reading is for everyone the other permissions let in; writing is for staff."""

    def has_permission(self, request, view):
        """Let a read through; a write only from a staff user."""
        return request.method in SAFE_METHODS or request.user.is_staff


class IsAuthorOrReadOnly(BasePermission):
    """Anyone logged in may read and post; only its author may edit or delete a message.

    DRF asks has_permission() of every request, before it looks anything up; a list or a
    create ends there. has_object_permission() is asked only about one object, once the view
    has found it (get_object()): a retrieve, an update, a delete.
    """

    def has_permission(self, request, view):
        """Let a read through; a write only from a logged-in user (a post has no object yet)."""
        return request.method in SAFE_METHODS or request.user.is_authenticated

    def has_object_permission(self, request, view, obj):
        """Let a read through; a change only from the message's author."""
        return request.method in SAFE_METHODS or obj.author_id == request.user.pk
