"""A refusal that knows its HTTP status and title: the credit bank's steps raise subclasses of
:class:`Refused` (nothing written); the routes turn any of them into problem details."""

from __future__ import annotations


class Refused(ValueError):
    """A request was refused; ``status`` is the HTTP status and ``title`` the problem's title.

    Subclasses set them per kind of refusal: 422 (invalid), 404 (not found), 409 (the state
    does not allow it)."""

    status = 422
    title = "Refused"
