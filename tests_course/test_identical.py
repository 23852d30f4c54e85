"""Files a step does not change stay byte-identical in every step that holds them.

IDENTICAL lists the files that were the same in every step holding them when the list was made
(a later step only copies them). A change to one of them belongs in every copy:
`python3 course.py carry stepNN_name/PATH` carries an edit forward. A file that has to differ
from now on leaves the list, with a row in the later step's What-changed table saying why.
"""

import pytest

from coursekit.steps import steps

IDENTICAL = [
    # The project's frame: the same in every step from the one that adds it.
    "manage.py",
    "config/__init__.py",
    "config/wsgi.py",
    "config/origin.py",
    "chat/__init__.py",
    "chat/apps.py",
    "chat/rooms.py",
    "chat/static/chat/socket.js",
    # Step 4's accounts app.
    "accounts/__init__.py",
    "accounts/apps.py",
    "accounts/forms.py",
    "accounts/handshakes.py",
    "accounts/management/__init__.py",
    "accounts/management/commands/__init__.py",
    "accounts/management/commands/demo_users.py",
    "accounts/migrations/__init__.py",
    "accounts/migrations/0001_initial.py",
    "accounts/migrations/0002_ascii_usernames.py",
    "accounts/models.py",
    "accounts/signals.py",
    "accounts/templates/registration/password_change_done.html",
    "accounts/templates/registration/password_change_form.html",
    "accounts/urls.py",
    "accounts/views.py",
    # Step 5's private inbox.
    "chat/inbox.py",
    "chat/migrations/__init__.py",
    "chat/migrations/0001_initial.py",
    "chat/models.py",
    "chat/static/chat/inbox.js",
    # Tests of behaviour that later steps keep as it is.
    "tests/__init__.py",
    "tests/private_messages.py",
    "tests/test_browser_resume.py",
    "tests/test_events.py",
    "tests/test_group_names.py",
    "tests/test_handshakes.py",
    "tests/test_inbox.py",
    "tests/test_inbox_resume.py",
    "tests/test_inbox_views.py",
    "tests/test_rooms.py",
    "tests/test_sync_async.py",
]


def versions(path):
    """{content: [steps holding PATH with that content]}, in step order."""
    found = {}
    for step in steps():
        if (step / path).is_file():
            found.setdefault((step / path).read_bytes(), []).append(step.name)
    return found


@pytest.mark.parametrize("path", IDENTICAL)
def test_file_is_identical_in_every_step_that_holds_it(path):
    """Every step that holds the file holds the same bytes."""
    found = versions(path)
    assert sum(map(len, found.values())) >= 2, f"{path} is in fewer than two steps now"
    if len(found) > 1:
        groups = "; ".join(", ".join(names) for names in found.values())
        pytest.fail(
            f"{path} has drifted: {len(found)} versions, held by {groups}. Carry the change "
            f"forward from the step that made it (`python3 course.py carry STEP/{path}`), "
            "or take the file off this list and say why in the later step's README."
        )
