"""The XenForo engine on markup beside the fixture site: time elements, XenForo 2.3
attributes, link previews, XenForo 1 pages, phpBB pages, and a real XenForo 2 thread."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from parsel import Selector

from crawler.demosite import build_forum
from crawler.demosite.model import WIB
from crawler.demosite.render import render_index, render_viewtopic
from crawler.extract.engines import Page, ParseContext, detect_engine
from crawler.extract.engines._xenforo_posts import parse_post, parse_time
from crawler.extract.engines.xenforo import ENGINE

NOW = ParseContext(now=datetime(2024, 12, 25, 14, 30, tzinfo=WIB))

XF1_THREAD = """<!DOCTYPE html>
<html id="XenForo" lang="en-US" dir="LTR" class="Public NoJs LoggedOut NoSidebar Responsive">
<head><base href="https://old.example/" /><title>Jalan rusak | Forum Lama</title>
<link rel="canonical" href="https://old.example/threads/jalan-rusak.77/" /></head>
<body><div class="breadBoxTop"><nav><fieldset class="breadcrumb"><span class="crumbs">
<span class="crust homeCrumb" itemscope="itemscope"
  itemtype="http://data-vocabulary.org/Breadcrumb">
<a href="https://old.example/" class="crumb" rel="up" itemprop="url"><span
  itemprop="title">Home</span></a></span>
<span class="crust" itemscope="itemscope" itemtype="http://data-vocabulary.org/Breadcrumb">
<a href="https://old.example/forums/#umum.1" class="crumb" rel="up" itemprop="url"><span
  itemprop="title">Umum</span></a></span>
<span class="crust" itemscope="itemscope" itemtype="http://data-vocabulary.org/Breadcrumb">
<a href="https://old.example/forums/infrastruktur.4/" class="crumb" rel="up" itemprop="url"><span
  itemprop="title">Infrastruktur</span></a></span>
</span></fieldset></nav></div>
<div class="titleBar"><h1><span class="prefix prefixBlue">Info</span> Jalan rusak</h1></div>
<div class="pageNavLinkGroup"><div class="PageNav" data-page="1" data-range="2" data-start="2"
 data-end="2" data-last="3" data-sentinel="{{sentinel}}"
 data-baseurl="threads/jalan-rusak.77/page-{{sentinel}}">
<span class="pageNavHeader">Page 1 of 3</span><nav><a href="threads/jalan-rusak.77/"
  class="currentPage " rel="start">1</a>
<a href="threads/jalan-rusak.77/page-2" class="">2</a><a href="threads/jalan-rusak.77/page-3"
  class="">3</a>
<a href="threads/jalan-rusak.77/page-2" class="text">Next &gt;</a></nav></div></div>
<ol class="messageList" id="messageList">
<li id="post-501" class="message   " data-author="budi">
<div class="messageUserInfo" itemscope="itemscope" itemtype="http://data-vocabulary.org/Person">
<div class="messageUserBlock "><h3 class="userText">
<a href="members/budi.12/" class="username" dir="auto" itemprop="name">budi</a>
<em class="userTitle" itemprop="title">Member</em></h3></div></div>
<div class="messageInfo primaryContent"><div class="messageContent"><article>
<blockquote class="messageText SelectQuoteContainer ugc baseHtml">
<div class="bbCodeBlock bbCodeQuote" data-author="ani"><aside>
<div class="attribution type">ani said:
<a href="goto/post?id=499#post-499" class="AttributionLink">&uarr;</a></div>
<blockquote class="quoteContainer"><div class="quote">Jalan ke Sampit rusak.</div>
<div class="quoteExpand">Click to expand...</div></blockquote></aside></div
>Setuju, parah sekali.<br />
Sumber: <a href="https://kalteng.go.id/berita/5" target="_blank" class="externalLink"
  rel="nofollow">https://kalteng.go.id/berita/5</a>
<div class="messageTextEndMarker">&nbsp;</div></blockquote></article>
<div class="attachedFiles"><h4 class="attachedFilesHeader">Attached Files:</h4>
<ul class="attachmentList SquareThumbs"><li class="attachment image" title="jalan.jpg">
<div class="boxModelFixer primaryContent"><div class="thumbnail">
<a href="attachments/jalan-jpg.31/" target="_blank" class="LbTrigger" data-href="misc/lightbox">
<img src="data/attachments/0/31-abc.jpg" alt="jalan.jpg" class="LbImage" /></a></div>
<div class="attachmentText"><h6><a href="attachments/jalan-jpg.31/"
  target="_blank">jalan.jpg</a></h6></div>
</div></li></ul></div></div>
<div class="editDate">Last edited: <span class="DateTime"
  title="Mar 18, 2024 at 11:05 AM">Mar 18, 2024</span></div>
<div class="baseHtml signature messageText ugc"><aside>Salam dari Sampit</aside></div>
<div class="messageMeta ToggleTriggerAnchor"><div class="privateControls"><span class="item muted">
<span class="authorEnd"><a href="members/budi.12/" class="username author"
  dir="auto">budi</a>,</span>
<a href="threads/jalan-rusak.77/#post-501" title="Permalink" class="datePermalink">
<span class="DateTime" title="Mar 18, 2024 at 10:05 AM">Mar 18, 2024</span></a></span></div>
<div class="publicControls"><a href="threads/jalan-rusak.77/#post-501" title="Permalink"
 class="item muted postNumber hashPermalink OverlayTrigger"
 data-href="posts/501/permalink">#1</a></div>
</div></div></li>
<li id="post-502" class="message   " data-author="Tamu">
<div class="messageUserInfo"><div class="messageUserBlock "><h3 class="userText">
<span class="username" dir="auto" itemprop="name">Tamu</span></h3></div></div>
<div class="messageInfo primaryContent"><div class="messageContent"><article>
<blockquote class="messageText SelectQuoteContainer ugc baseHtml">Kemarin saya lewat.
<div class="messageTextEndMarker">&nbsp;</div></blockquote></article></div>
<div class="messageMeta ToggleTriggerAnchor"><div class="privateControls"><span class="item muted">
<a href="threads/jalan-rusak.77/#post-502" title="Permalink" class="datePermalink">
<abbr class="DateTime" data-time="1735089900" data-diff="300" data-datestring="Dec 25, 2024"
 data-timestring="8:25 AM">Today at 8:25 AM</abbr></a></span></div>
<div class="publicControls"><a href="threads/jalan-rusak.77/#post-502"
  class="item muted postNumber hashPermalink">#2</a></div>
</div></div></li></ol></body></html>"""

XF1_FORUM = """<!DOCTYPE html>
<html id="XenForo" lang="en-US" dir="LTR" class="Public NoJs LoggedOut">
<head><base href="https://old.example/" /></head><body><div
  class="titleBar"><h1>Infrastruktur</h1></div>
<ol class="nodeList"><li class="node node_9 forum level_2 level-n">
<div class="nodeInfo forumNodeInfo"><div class="nodeText"><h3 class="nodeTitle">
<a href="forums/jembatan.9/"
  data-description="#nodeDescription-9">Jembatan</a></h3></div></div></li></ol>
<div class="PageNav" data-page="2" data-last="2" data-sentinel="{{sentinel}}"
  data-baseurl="forums/infrastruktur.4/page-{{sentinel}}"></div>
<ol class="discussionListItems">
<li id="thread-77" class="discussionListItem visible sticky prefix1  " data-author="budi">
<div class="listBlock main"><div class="titleText"><h3 class="title">
<a href="forums/infrastruktur.4/?prefix_id=1" class="prefixLink"
  title="Only display threads prefixed by Info">
<span class="prefix prefixBlue">Info</span></a>
<a href="threads/jalan-rusak.77/" title="" class="PreviewTooltip"
  data-previewUrl="threads/jalan-rusak.77/preview">Jalan rusak</a></h3>
</div></div>
<div class="listBlock stats pairsJustified" title="Members who replied: 2">
<dl class="major"><dt>Replies:</dt> <dd>41</dd></dl><dl
  class="minor"><dt>Views:</dt> <dd>1,204</dd></dl></div>
<div class="listBlock lastPost"><dl class="lastPostInfo"><dt><span class="username"
  dir="auto">Tamu</span></dt>
<dd class="muted"><a href="threads/jalan-rusak.77/page-3#post-502" title="Go to last message"
  class="dateTime">
<abbr class="DateTime" data-time="1735089900" data-datestring="Dec 25, 2024"
  data-timestring="8:25 AM">Today at 8:25 AM</abbr></a></dd></dl></div>
</li>
<li id="thread-78" class="discussionListItem visible  " data-author="ani">
<div class="listBlock main"><div class="titleText"><h3 class="title">
<a href="threads/78/" title="" class="PreviewTooltip">Banjir</a></h3></div></div>
<div class="listBlock stats pairsJustified"><dl
  class="major"><dt>Replies:</dt> <dd>0</dd></dl></div>
<div class="listBlock lastPost"><dl class="lastPostInfo"><dd class="muted"><a href="threads/78/"
  class="dateTime">
<span class="DateTime" title="Mar 18, 2024 at 10:05 AM">Mar 18, 2024</span></a></dd></dl></div>
</li></ol></body></html>"""


def test_does_not_claim_phpbb_pages(real_fixtures: Path) -> None:
    forum = build_forum()
    thread = next(iter(forum.threads.values()))
    for html in (render_index(forum, "a" * 32, forum.now),
                 render_viewtopic(forum, thread, 0, "a" * 32, forum.now, "http://h/"),
                 (real_fixtures / "phpbb" / "foren.myoos.de.html").read_text("utf-8", "replace")):
        assert ENGINE.detect(Page(url="http://h/viewtopic.php?t=1", text=html)) is None
@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<time class="u-dt">5 menit yang lalu</time>', datetime(2024, 12, 25, 14, 25)),
        ('<time class="u-dt">Beberapa saat yang lalu</time>', datetime(2024, 12, 25, 14, 30)),
        ('<time class="u-dt">Senin pukul 10:05</time>', datetime(2024, 12, 23, 10, 5)),
        ('<time class="u-dt">Kemarin pukul 21:40</time>', datetime(2024, 12, 24, 21, 40)),
        ('<time class="u-dt" title="18 Mar 2024 pukul 10:05">18 Mar 2024</time>',
         datetime(2024, 3, 18, 10, 5)),
        ('<time class="u-dt" data-time="1710731100">18 Mar 2024</time>',
         datetime(2024, 3, 18, 10, 5)),
        ('<time class="u-dt" datetime="2024-03-18T04:05:00+0100">x</time>',
         datetime(2024, 3, 18, 10, 5)),
        # XenForo 2.3: data-timestamp, and data-time is the clock time as text
        ('<time class="u-dt" data-timestamp="1710731100" data-time="10:05">18 Mar</time>',
         datetime(2024, 3, 18, 10, 5)),
        ('<time class="u-dt" data-date="18 Mar 2024" data-time="10:05">18 Mar</time>',
         datetime(2024, 3, 18, 10, 5)),
        ('<span class="DateTime" title="Mar 18, 2024 at 10:05 AM">Mar 18, 2024</span>',
         datetime(2024, 3, 18, 10, 5)),
    ],
)
def test_time_elements(html: str, expected: datetime) -> None:
    now = NOW
    element = Selector(text=html).css("time, span")[0]
    assert parse_time(element, "id-ID", now) == expected.replace(tzinfo=WIB)


def test_link_previews_become_their_url_and_placeholder_images_are_dropped() -> None:
    html = """<article class="message message--post" data-author="budi" data-content="post-9"
    id="js-post-9"><h4 class="message-name"><a href="/members/budi.5/" class="username"
    data-user-id="5">budi</a></h4><article class="message-body"><div class="bbWrapper">Lihat:<br />
    <div class="bbCodeBlock bbCodeBlock--unfurl js-unfurl fauxBlockLink" data-unfurl="true"
     data-url="https://kalteng.go.id/berita/1" data-host="kalteng.go.id"><div class="contentRow">
     <h3 class="contentRow-header"><a href="https://kalteng.go.id/berita/1">Judul berita</a></h3>
     <div class="contentRow-snippet">Deskripsi</div><div class="contentRow-minor">kalteng.go.id
     </div></div></div>Setuju. <img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP"
     data-src="/x.jpg" class="bbImage lazyload"> @<a href="/members/ani.6/" class="username"
     data-user-id="6">ani</a><div class="bbMediaWrapper"><div class="bbMediaWrapper-inner">
     <iframe src="https://www.youtube.com/embed/abc123?wmode=opaque" allowfullscreen="true">
     </iframe></div></div></div></article></article>"""
    node = Selector(text=html).css("article.message")[0]
    post = parse_post(node, "http://h/threads/a.1/", "id", NOW)
    assert post is not None
    assert post.body_text == "Lihat:\n\nhttps://kalteng.go.id/berita/1\nSetuju. @ani"
    assert post.links[0] == "https://kalteng.go.id/berita/1"
    assert post.media == [{"type": "embed",
                           "url": "https://www.youtube.com/embed/abc123?wmode=opaque"}]
    assert (post.author_name, post.author_id) == ("budi", "5")  # not the mentioned member


def test_xenforo_1_thread_page() -> None:
    page = Page(url="https://old.example/threads/jalan-rusak.77/", text=XF1_THREAD)
    engine, reason = detect_engine(page)
    assert engine is ENGINE
    assert "XenForo 1" in reason
    result = ENGINE.parse(page, NOW)
    assert result.kind == "thread"
    assert result.thread is not None
    assert (result.thread.native_id, result.thread.title, result.thread.container) == (
        "77", "Jalan rusak", "Infrastruktur")
    assert result.next_url == "https://old.example/threads/jalan-rusak.77/page-2"
    first, second = result.posts
    assert (first.native_id, first.position, first.author_name, first.author_id) == (
        "501", 1, "budi", "12")
    assert first.author_url == "https://old.example/members/budi.12/"
    assert first.published_at == datetime(2024, 3, 18, 10, 5, tzinfo=WIB)
    assert first.edited_at == datetime(2024, 3, 18, 11, 5, tzinfo=WIB)
    assert first.body_text == "Setuju, parah sekali.\nSumber: https://kalteng.go.id/berita/5"
    assert first.quoted_native_ids == ["499"]
    assert first.quoted_text == ["Jalan ke Sampit rusak."]
    assert first.links == ["https://kalteng.go.id/berita/5"]
    assert first.media == [{"type": "image", "name": "jalan.jpg",
                            "url": "https://old.example/attachments/jalan-jpg.31/",
                            "thumbnail": "https://old.example/data/attachments/0/31-abc.jpg"}]
    assert first.url == "https://old.example/posts/501/"
    assert (second.native_id, second.position, second.author_name, second.author_id) == (
        "502", 2, "Tamu", None)
    assert second.published_at == datetime.fromtimestamp(1735089900, WIB)
    assert second.body_text == "Kemarin saya lewat."


def test_xenforo_1_forum_page() -> None:
    page = Page(url="https://old.example/forums/infrastruktur.4/page-2", text=XF1_FORUM)
    result = ENGINE.parse(page, NOW)
    assert result.kind == "board"
    assert result.boards == ["https://old.example/forums/jembatan.9/"]
    sticky, plain = result.threads
    assert (sticky.url, sticky.native_id, sticky.title, sticky.sticky, sticky.signature) == (
        "https://old.example/threads/jalan-rusak.77/", "77", "Jalan rusak", True, "41|1735089900")
    assert sticky.container == "Infrastruktur"
    assert (plain.url, plain.native_id, plain.sticky) == (
        "https://old.example/threads/78/", "78", False)
    assert plain.signature == "0|Mar 18, 2024"
    assert result.next_url is None  # page 2 of 2


def test_real_xenforo_page(real_fixtures: Path) -> None:
    name = "xenforo/katzen-forum.net-Pepe.html"
    page_truth = json.loads((real_fixtures / "truth.json").read_text("utf-8"))[name]
    page = Page.from_bytes(page_truth["thread_url"], (real_fixtures / name).read_bytes())
    assert detect_engine(page)[0] is ENGINE
    result = ENGINE.parse(page, ParseContext(timezone="Europe/Berlin"))
    assert result.thread is not None
    assert result.thread.title == page_truth["thread_title"]
    assert result.thread.native_id == "230143"
    assert result.thread.container == "Freigänger"
    assert [(p.native_id, p.author_name, p.published_at) for p in result.posts] == [
        (t["native_id"], t["author"], datetime.strptime(t["published"], "%Y-%m-%dT%H:%M:%S%z"))
        for t in page_truth["posts"]]
    assert [p.position for p in result.posts] == list(range(1, 19))
    assert all(p.author_id and p.author_url for p in result.posts)
    quoting = next(p for p in result.posts if p.native_id == "6331617")
    assert quoting.quoted_native_ids == ["6331459"]
    assert quoting.quoted_text == ["yellowkitty die Ohren sind total sauber, kein Dreck"]
    assert quoting.body_text.startswith("Dann hat er wohl keine Milben")
    assert "weil man das ja normal nicht sieht" in quoting.body_text
    assert ":)" in quoting.body_text
    assert result.next_url is None
