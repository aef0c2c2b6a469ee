"""Reading Disqus, WordPress, Isso and Sieve exports, HTML as text, and the writer's nesting.

The sample exports here follow each product's real format; tests/cli/test_transfer.py imports
them through the `sieve import` commands.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from service.domain.transfer import disqus, isso, sieve_json, wordpress
from service.domain.transfer.html_text import html_to_text
from service.domain.transfer.records import BrokenExport, CommentRecord, Skipped, ThreadRecord
from service.domain.transfer.writer import import_records
from service.storage import db
from service.storage.states import CommentStatus
from service.storage.tables import Comment, Site
from tests.conftest import TEST_SECRET

DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals"
        xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
        xsi:schemaLocation="http://disqus.com/api/schemas/1.0/disqus.xsd">
  <category dsq:id="1001">
    <forum>myblog</forum>
    <title>General</title>
    <isDefault>true</isDefault>
  </category>
  <thread dsq:id="2001">
    <id>post-hello</id>
    <forum>myblog</forum>
    <category dsq:id="1001"/>
    <link>https://blog.example.com/2012/12/hello-world/</link>
    <title>Hello world</title>
    <message/>
    <createdAt>2012-12-12T10:00:00Z</createdAt>
    <author><name>Owner</name><isAnonymous>false</isAnonymous><username>owner</username></author>
    <ipAddress>127.0.0.1</ipAddress>
    <isClosed>false</isClosed>
    <isDeleted>false</isDeleted>
  </thread>
  <thread dsq:id="2002">
    <id/>
    <forum>myblog</forum>
    <category dsq:id="1001"/>
    <link>https://blog.example.com/about/?lang=en</link>
    <title>About &amp; contact</title>
    <createdAt>2012-12-13T10:00:00Z</createdAt>
    <isClosed>false</isClosed>
    <isDeleted>false</isDeleted>
  </thread>
  <post dsq:id="3001">
    <id/>
    <message><![CDATA[<p>First!<br>Nice <b>post</b> &amp;
      <a href="https://en.wikipedia.org/wiki/Sieve">a sieve</a></p><p>Bye</p>]]></message>
    <createdAt>2012-12-12T12:12:12Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author>
      <email>Alice@Example.com</email>
      <name>Alice</name>
      <isAnonymous>false</isAnonymous>
      <username>alice</username>
    </author>
    <ipAddress>198.51.100.7</ipAddress>
    <thread dsq:id="2001"/>
  </post>
  <post dsq:id="3003">
    <id/>
    <message><![CDATA[<p>A reply to a reply, read before its parent</p>]]></message>
    <createdAt>2012-12-12T14:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><email>carol@example.com</email><name>Carol</name><isAnonymous>false</isAnonymous></author>
    <ipAddress>198.51.100.9</ipAddress>
    <thread dsq:id="2001"/>
    <parent dsq:id="3002"/>
  </post>
  <post dsq:id="3002">
    <id/>
    <message><![CDATA[<p>A reply</p>]]></message>
    <createdAt>2012-12-12T13:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <author><email>bob@example.com</email><name>Bob</name><isAnonymous>false</isAnonymous></author>
    <ipAddress>198.51.100.8</ipAddress>
    <thread dsq:id="2001"/>
    <parent dsq:id="3001"/>
  </post>
  <post dsq:id="3004">
    <id/>
    <message><![CDATA[<p>Cheap pills at <a href="http://spam.example">http://spam.example</a></p>]]></message>
    <createdAt>2012-12-12T15:00:00Z</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>true</isSpam>
    <author><email>spam@example.net</email><name>Pills</name><isAnonymous>true</isAnonymous></author>
    <ipAddress>203.0.113.66</ipAddress>
    <thread dsq:id="2001"/>
  </post>
  <post dsq:id="3005">
    <id/>
    <message><![CDATA[<p>Something I regret</p>]]></message>
    <createdAt>2012-12-13T11:00:00Z</createdAt>
    <isDeleted>true</isDeleted>
    <isSpam>false</isSpam>
    <author><name>Dave</name><isAnonymous>true</isAnonymous></author>
    <thread dsq:id="2002"/>
  </post>
  <post dsq:id="3006">
    <id/>
    <message><![CDATA[<p>Waiting for a moderator</p>]]></message>
    <createdAt>2012-12-13T12:00:00+01:00</createdAt>
    <isDeleted>false</isDeleted>
    <isSpam>false</isSpam>
    <isApproved>false</isApproved>
    <author><email>erin@example.com</email><name>Erin</name><isAnonymous>false</isAnonymous></author>
    <thread dsq:id="2002"/>
  </post>
</disqus>
"""

WXR = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
\t<title>My Blog</title>
\t<link>https://wp.example.com</link>
\t<description>Just another WordPress site</description>
\t<language>en-US</language>
\t<wp:wxr_version>1.2</wp:wxr_version>
\t<wp:base_site_url>https://wp.example.com</wp:base_site_url>
\t<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[admin]]></wp:author_login><wp:author_email><![CDATA[admin@wp.example.com]]></wp:author_email></wp:author>
\t<item>
\t\t<title>Hello world!</title>
\t\t<link>https://wp.example.com/2012/12/hello-world/</link>
\t\t<pubDate>Wed, 12 Dec 2012 12:12:12 +0000</pubDate>
\t\t<dc:creator><![CDATA[admin]]></dc:creator>
\t\t<guid isPermaLink="false">https://wp.example.com/?p=1</guid>
\t\t<description></description>
\t\t<content:encoded><![CDATA[Welcome to WordPress.]]></content:encoded>
\t\t<excerpt:encoded><![CDATA[]]></excerpt:encoded>
\t\t<wp:post_id>1</wp:post_id>
\t\t<wp:post_date><![CDATA[2012-12-12 12:12:12]]></wp:post_date>
\t\t<wp:post_date_gmt><![CDATA[2012-12-12 12:12:12]]></wp:post_date_gmt>
\t\t<wp:comment_status><![CDATA[open]]></wp:comment_status>
\t\t<wp:post_name><![CDATA[hello-world]]></wp:post_name>
\t\t<wp:status><![CDATA[publish]]></wp:status>
\t\t<wp:post_type><![CDATA[post]]></wp:post_type>
\t\t<category domain="category" nicename="uncategorized"><![CDATA[Uncategorized]]></category>
\t\t<wp:postmeta><wp:meta_key><![CDATA[_edit_last]]></wp:meta_key><wp:meta_value><![CDATA[1]]></wp:meta_value></wp:postmeta>
\t\t<wp:comment>
\t\t\t<wp:comment_id>1</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[A WordPress Commenter]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[wapuu@wordpress.example]]></wp:comment_author_email>
\t\t\t<wp:comment_author_url>https://wordpress.org/</wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[203.0.113.5]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-12 13:12:12]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2012-12-12 12:12:12]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[Hi, this is a comment.
To delete it, <a href="https://wp.example.com/wp-admin/">log in</a>.]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>0</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
\t\t<wp:comment>
\t\t\t<wp:comment_id>2</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Bob]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[bob@example.com]]></wp:comment_author_email>
\t\t\t<wp:comment_author_url></wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[203.0.113.6]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-12 14:00:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2012-12-12 13:00:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[A reply awaiting moderation]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[0]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[]]></wp:comment_type>
\t\t\t<wp:comment_parent>1</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
\t\t<wp:comment>
\t\t\t<wp:comment_id>3</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Casino]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[casino@example.net]]></wp:comment_author_email>
\t\t\t<wp:comment_author_url>http://casino.example</wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[203.0.113.7]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-12 15:00:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2012-12-12 14:00:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[Win big at the casino]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[spam]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>2</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
\t\t<wp:comment>
\t\t\t<wp:comment_id>4</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Dave]]></wp:comment_author>
\t\t\t<wp:comment_author_email></wp:comment_author_email>
\t\t\t<wp:comment_author_url></wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[203.0.113.8]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-12 16:00:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[Binned]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[trash]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>0</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
\t\t<wp:comment>
\t\t\t<wp:comment_id>5</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Other blog]]></wp:comment_author>
\t\t\t<wp:comment_author_email></wp:comment_author_email>
\t\t\t<wp:comment_author_url>https://other.example/post</wp:comment_author_url>
\t\t\t<wp:comment_author_IP><![CDATA[192.0.2.1]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-12 17:00:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2012-12-12 16:00:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[[&#8230;] linked here [&#8230;]]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[pingback]]></wp:comment_type>
\t\t\t<wp:comment_parent>0</wp:comment_parent>
\t\t\t<wp:comment_user_id>0</wp:comment_user_id>
\t\t</wp:comment>
\t</item>
\t<item>
\t\t<title>About</title>
\t\t<link>https://wp.example.com/about/</link>
\t\t<wp:post_id>2</wp:post_id>
\t\t<wp:post_name><![CDATA[about]]></wp:post_name>
\t\t<wp:post_type><![CDATA[page]]></wp:post_type>
\t\t<wp:comment>
\t\t\t<wp:comment_id>6</wp:comment_id>
\t\t\t<wp:comment_author><![CDATA[Erin]]></wp:comment_author>
\t\t\t<wp:comment_author_email><![CDATA[erin@example.com]]></wp:comment_author_email>
\t\t\t<wp:comment_author_IP><![CDATA[]]></wp:comment_author_IP>
\t\t\t<wp:comment_date><![CDATA[2012-12-13 10:00:00]]></wp:comment_date>
\t\t\t<wp:comment_date_gmt><![CDATA[2012-12-13 09:00:00]]></wp:comment_date_gmt>
\t\t\t<wp:comment_content><![CDATA[Nice page]]></wp:comment_content>
\t\t\t<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
\t\t\t<wp:comment_type><![CDATA[comment]]></wp:comment_type>
\t\t\t<wp:comment_parent>0</wp:comment_parent>
\t\t</wp:comment>
\t</item>
</channel>
</rss>
"""

# Isso's schema as its isso/db/ creates it (threads, comments with the bloom filter of voters).
ISSO_SCHEMA = """
CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);
CREATE TRIGGER remove_stale_threads AFTER DELETE ON comments BEGIN
    DELETE FROM threads WHERE id NOT IN (SELECT tid FROM comments);
END;
"""
ISSO_COMMENTS = [
    # (tid, id, parent, created, mode, remote_addr, text, author, email)
    (1, 1, None, 1355314332.5, 1, "198.51.100.0", "Isso *rocks*\n\n> quoted", "Alice",
     "alice@example.com"),
    (1, 2, 1, 1355317932.0, 2, "198.51.100.0", "Pending reply", "Bob", None),
    (1, 3, 2, 1355321532.0, 1, "198.51.100.0", "Reply to the reply", None, None),
    (2, 4, None, 1355407932.0, 4, "203.0.113.0", "", None, None),
]  # fmt: skip


POST_3001, POST_3002 = '<post dsq:id="3001">', '<post dsq:id="3002">'


def write_disqus(tmp_path: Path, text: str = DISQUS) -> Path:
    path = tmp_path / "disqus-export.xml"
    path.write_text(text, encoding="utf-8")
    return path


def write_wxr(tmp_path: Path, text: str = WXR) -> Path:
    path = tmp_path / "wordpress.WordPress.2012-12-12.xml"
    path.write_text(text, encoding="utf-8")
    return path


def write_isso(tmp_path: Path, comments: list[tuple] = ISSO_COMMENTS) -> Path:
    path = tmp_path / "comments.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executescript(ISSO_SCHEMA)
        connection.executemany(
            "INSERT INTO threads (id, uri, title) VALUES (?, ?, ?)",
            [(1, "/blog/hello/", "Hello"), (2, "/blog/second/", None)],
        )
        connection.executemany(
            "INSERT INTO comments (tid, id, parent, created, modified, mode, remote_addr, text,"
            " author, email, website, voters) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, NULL, ?)",
            [(*row, sqlite3.Binary(bytes(256))) for row in comments],
        )
    return path


def line_of(text: str, marker: str) -> int:
    return text[: text.index(marker)].count("\n") + 1


def read(module, path: Path) -> list:
    return list(module.records(path, lambda _done: None))


def test_html_becomes_plain_text():
    assert html_to_text("<p>Hi&nbsp;<b>there</b> &lt;3<br/>second</p>\n<p> Next </p>") == (
        "Hi\xa0there <3\nsecond\n\nNext"
    )
    link = '<a href="https://example.com/a">see this</a> or <a href="https://example.com/b">https://example.com/b</a>'
    assert html_to_text(link) == "see this (https://example.com/a) or https://example.com/b"
    shortened = '<a href="https://example.com/a/very/long/path">example.com/a/very/lo...</a>'
    assert html_to_text(shortened) == "https://example.com/a/very/long/path"
    assert html_to_text("<script>alert(1)</script><style>p{}</style>ok") == "ok"
    assert html_to_text("one\ntwo\n\nthree", newlines_are_breaks=True) == "one\ntwo\n\nthree"
    assert html_to_text("one\ntwo") == "one two"


def test_disqus_threads_posts_and_statuses(tmp_path):
    records = read(disqus, write_disqus(tmp_path))
    threads = [r for r in records if isinstance(r, ThreadRecord)]
    assert [(t.ref, t.key, t.url, t.title) for t in threads] == [
        ("2001", "post-hello", "https://blog.example.com/2012/12/hello-world/", "Hello world"),
        ("2002", "/about/?lang=en", "https://blog.example.com/about/?lang=en", "About & contact"),
    ]
    posts = {r.ref: r for r in records if isinstance(r, CommentRecord)}
    first = posts["disqus:3001"]
    assert first.body == "First!\nNice post & a sieve (https://en.wikipedia.org/wiki/Sieve)\n\nBye"
    assert first.created_at == datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)
    assert (first.author_name, first.author_email, first.ip) == (
        "Alice", "Alice@Example.com", "198.51.100.7"
    )  # fmt: skip
    assert first.where == f"line {line_of(DISQUS, POST_3001)}"
    assert posts["disqus:3003"].parent_ref == "disqus:3002"
    assert posts["disqus:3004"].body == "Cheap pills at http://spam.example"
    assert posts["disqus:3006"].created_at == datetime(2012, 12, 13, 11, 0, tzinfo=UTC)
    assert {ref: (r.status, r.reason_codes) for ref, r in posts.items()} == {
        "disqus:3001": (CommentStatus.APPROVED, ()),
        "disqus:3002": (CommentStatus.APPROVED, ()),
        "disqus:3003": (CommentStatus.APPROVED, ()),
        "disqus:3004": (CommentStatus.SPAM, ()),
        "disqus:3005": (CommentStatus.REJECTED, ("DELETED",)),
        "disqus:3006": (CommentStatus.HELD, ()),
    }


def test_wordpress_items_comments_and_skipped_pingbacks(tmp_path):
    records = read(wordpress, write_wxr(tmp_path))
    threads = [(r.ref, r.key, r.title) for r in records if isinstance(r, ThreadRecord)]
    assert threads == [("1", "/2012/12/hello-world/", "Hello world!"), ("2", "/about/", "About")]
    assert [r.reason for r in records if isinstance(r, Skipped)] == ["pingbacks"]
    comments = {r.ref: r for r in records if isinstance(r, CommentRecord)}
    assert comments["wordpress:1"].body == (
        "Hi, this is a comment.\nTo delete it, log in (https://wp.example.com/wp-admin/)."
    )
    assert comments["wordpress:1"].created_at == datetime(2012, 12, 12, 12, 12, 12, tzinfo=UTC)
    # No GMT date: the local one is kept.
    assert comments["wordpress:4"].created_at == datetime(2012, 12, 12, 16, tzinfo=UTC)
    assert comments["wordpress:3"].parent_ref == "wordpress:2"
    assert comments["wordpress:6"].thread_ref == "2"
    assert {ref: (r.status, r.reason_codes) for ref, r in comments.items()} == {
        "wordpress:1": (CommentStatus.APPROVED, ()),
        "wordpress:2": (CommentStatus.HELD, ()),
        "wordpress:3": (CommentStatus.SPAM, ()),
        "wordpress:4": (CommentStatus.REJECTED, ("DELETED",)),
        "wordpress:6": (CommentStatus.APPROVED, ()),
    }


def test_isso_database_is_read_with_its_modes(tmp_path):
    path = write_isso(tmp_path)
    assert isso.total(path) == 4
    records = read(isso, path)
    threads = [(r.ref, r.key, r.url, r.title) for r in records if isinstance(r, ThreadRecord)]
    assert threads == [("1", "/blog/hello/", "/blog/hello/", "Hello"),
                       ("2", "/blog/second/", "/blog/second/", None)]  # fmt: skip
    comments = [r for r in records if isinstance(r, CommentRecord)]
    assert comments[0].body == "Isso *rocks*\n\n> quoted"  # Markdown stays as it is
    assert comments[0].created_at == datetime(2012, 12, 12, 12, 12, 12, 500000, tzinfo=UTC)
    assert [(c.parent_ref, c.status, c.author_name) for c in comments] == [
        (None, CommentStatus.APPROVED, "Alice"),
        ("isso:1", CommentStatus.HELD, "Bob"),
        ("isso:2", CommentStatus.APPROVED, "Anonymous"),
        (None, CommentStatus.REJECTED, "Anonymous"),
    ]


def test_a_bad_disqus_date_is_refused_with_the_line_of_its_post(tmp_path):
    text = DISQUS.replace("2012-12-12T13:00:00Z", "2012-13-45T13:00:00Z")
    with pytest.raises(BrokenExport, match="not a date: '2012-13-45T13:00:00Z'") as caught:
        read(disqus, write_disqus(tmp_path, text))
    assert caught.value.where == f"line {line_of(text, POST_3002)}"


def test_a_truncated_xml_file_is_refused_with_the_last_line(tmp_path):
    truncated = DISQUS[: DISQUS.index("Something I regret")]
    with pytest.raises(BrokenExport) as caught:
        read(disqus, write_disqus(tmp_path, truncated))
    assert caught.value.where == f"line {truncated.count(chr(10)) + 1}"
    assert "broken XML" in str(caught.value)


def test_other_files_are_refused_clearly(tmp_path):
    with pytest.raises(BrokenExport, match="not a Disqus export"):
        read(disqus, write_wxr(tmp_path))
    with pytest.raises(BrokenExport, match="is it a WordPress export"):
        read(wordpress, write_disqus(tmp_path))
    with pytest.raises(BrokenExport, match="not an Isso database"):
        isso.total(write_disqus(tmp_path))
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE threads (id INTEGER PRIMARY KEY)")
    with pytest.raises(BrokenExport, match="not an Isso database: table threads lacks title, uri"):
        read(isso, other)
    bad_mode = [*ISSO_COMMENTS[:2], (1, 3, None, 1355321532.0, 8, None, "x", None, None)]
    with pytest.raises(BrokenExport, match=r"comment record 3 \(id 3\): unknown mode 8"):
        read(isso, write_isso(tmp_path, bad_mode))


def test_a_bad_json_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "export.jsonl"
    lines = [
        {"sieve_export": 1, "site": {"slug": "demo", "name": "Demo"}},
        {"type": "thread", "key": "/a/", "url": None, "title": None},
        {"type": "comment", "id": 1, "thread": "/a/", "parent": None, "status": "approved",
         "author_name": "A", "body": "ok", "created_at": "2020-01-01T00:00:00+00:00"},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in lines) + '{"type": "comm\n')
    with pytest.raises(BrokenExport, match=r"^line 4: not JSON"):
        read(sieve_json, path)
    lines[2]["status"] = "maybe"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    with pytest.raises(BrokenExport, match=r"^line 3: unknown status 'maybe'"):
        read(sieve_json, path)
    path.write_text('{"hello": 1}\n')
    with pytest.raises(BrokenExport, match="not a Sieve export"):
        sieve_json.header(path)


def _record(ref: str, parent: str | None, thread: str = "t1") -> CommentRecord:
    return CommentRecord(
        ref=f"test:{ref}",
        thread_ref=thread,
        parent_ref=f"test:{parent}" if parent else None,
        author_name="A",
        body=f"comment {ref}",
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
        status=CommentStatus.APPROVED,
        where=f"record {ref}",
    )


def _tree(session, site_id: int) -> dict[str, tuple]:
    rows = session.execute(
        select(Comment.import_ref, Comment.id, Comment.parent_id, Comment.root_id, Comment.depth)
        .where(Comment.site_id == site_id)
    ).all()  # fmt: skip
    refs = {row.id: row.import_ref for row in rows}
    return {row.import_ref: (refs.get(row.parent_id), refs.get(row.root_id), row.depth)
            for row in rows}  # fmt: skip


def test_replies_are_nested_whatever_the_order_and_batches(app, monkeypatch):
    monkeypatch.setattr("service.domain.transfer.writer.BATCH", 2)
    threads = [ThreadRecord("t1", "/one/", None, None), ThreadRecord("t2", "/two/", None, None)]
    # d before its parent c, c before its parent b, across batches; e in the same batch as a.
    records = [
        *threads, _record("d", "c"), _record("c", "b"), _record("a", None), _record("e", "a"),
        _record("b", "a"), _record("f", "d"), _record("g", None, "t2"),
    ]  # fmt: skip
    with app.app_context(), db.session_scope() as session:
        site = session.scalars(select(Site)).one()
        summary = import_records(session, site, records, secret=TEST_SECRET)
        assert (summary.imported, summary.threads_created) == (7, 2)
        assert _tree(session, site.id) == {
            "test:a": (None, None, 0),
            "test:b": ("test:a", "test:a", 1),
            "test:c": ("test:b", "test:a", 2),
            "test:d": ("test:c", "test:a", 3),
            "test:e": ("test:a", "test:a", 1),
            "test:f": ("test:d", "test:a", 4),
            "test:g": (None, None, 0),
        }


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ([_record("a", "b"), _record("b", "a")], "record b: a reply to test:a, which replies to"),
        ([_record("a", "zz")], "record a: a reply to test:zz, which is not in the file"),
        ([_record("a", None, "t9")], "record a: names thread t9, not in the file"),
        ([_record("a", None), _record("b", "a", "t2")], "record b: a reply to test:a, of another"),
    ],
)
def test_impossible_trees_are_refused(app, records, message):
    threads = [ThreadRecord("t1", "/one/", None, None), ThreadRecord("t2", "/two/", None, None)]
    with app.app_context(), db.session_scope() as session:
        site = session.scalars(select(Site)).one()
        with pytest.raises(BrokenExport, match=message):
            import_records(session, site, [*threads, *records], secret=TEST_SECRET)
        session.rollback()
