"""The demo article's first comments, posted through the real API on the first `sieve up`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.cli.supervisor import Stack


# The demo article's first comments: (author, text, index of the comment it answers).
DEMO_COMMENTS = (
    (
        "Margit",
        "The point about spending human attention only where it is needed is the one "
        "I will take away. We moderate everything by hand and it shows in our mornings.",
        None,
    ),
    ("Tomasz", "Same here. Does the honeypot trick still work against the newer bots?", 0),
    (
        "Ines",
        "Thank you for writing this. I closed comments on my blog two years ago and "
        "I miss the corrections readers used to send.",
        None,
    ),
)


def seed_demo_comments(stack: Stack) -> None:
    """Post a few comments under the demo article on the first start, through the real API."""
    from service.web.widget import DEMO_SITE, DEMO_THREAD, DEMO_TITLE

    marker = stack.data_dir / "demo-seeded"
    if marker.exists():
        return
    ids: list[int] = []
    try:
        for author, body, parent in DEMO_COMMENTS:
            payload = {
                "site": DEMO_SITE,
                "thread": DEMO_THREAD,
                "thread_title": DEMO_TITLE,
                "thread_url": f"{stack.base_url}/demo",
                "author_name": author,
                "body": body,
            }
            if parent is not None:
                payload["parent_id"] = ids[parent]
            request = urllib.request.Request(
                f"{stack.base_url}/api/v1/comments",
                data=json.dumps(payload).encode(),
                headers={"Content-Type": "application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                ids.append(json.load(response)["id"])
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        stack.say(f"sieve: could not seed the demo comments ({error}); the demo starts empty")
        return
    marker.write_text("\n".join(map(str, ids)) + "\n")
