"""vBulletin 3.8 pages (table templates, same scripts as vB4) through ``engine: vbulletin``:
detection, a thread page with a quote table, a guest, relative and edit dates, a thread list
and a forum list."""

from __future__ import annotations

from datetime import datetime

from crawler.demosite.model import WIB
from crawler.extract.engines import Page, ParseContext, engine_named

VB = engine_named("vbulletin")
BASE = "http://forum.example.id/"
NOW = datetime(2024, 3, 19, 9, 0, tzinfo=WIB)
HEAD = """<html dir="ltr" lang="id"><head>
<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1" />
<meta name="generator" content="vBulletin 3.8.7" /><title>{title} - Forum Kalteng</title></head>
<body><table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%"><tr>
<td class="alt1" width="100%"><table cellpadding="0" cellspacing="0" border="0"><tr valign="bottom">
<td width="100%"><span class="navbar"><a href="index.php?s=abc" accesskey="1">Forum Kalteng</a></span>
{crumbs}</td></tr><tr><td class="navbar" style="font-size:10pt" colspan="3"><a href="{reload}">
<img class="inlineimg" src="images/misc/navbits_finallink_ltr.gif" alt="Muat ulang" border="0" /></a>
<strong>{title}</strong></td></tr></table></td></tr></table>
<div class="pagenav" align="right"><table class="tborder"><tr>
<td class="vbmenu_control" style="font-weight:normal">Halaman 1 dari 2</td>
<td class="alt2"><span class="smallfont"><strong>1</strong></span></td>
<td class="alt1"><a rel="next" class="smallfont" href="{next}" title="Halaman berikutnya">&gt;</a></td>
</tr></table></div>"""  # noqa: E501

THREAD = HEAD.format(
    title="Harga karet turun", reload="showthread.php?s=abc&amp;t=15",
    next="showthread.php?s=abc&amp;t=15&amp;page=2",
    crumbs='<span class="navbar">&gt; <a href="forumdisplay.php?s=abc&amp;f=4">Ekonomi</a></span>',
) + """<div id="posts"><div id="edit301" style="padding:0px 0px 6px 0px">
<table id="post301" class="tborder" cellpadding="6" cellspacing="0" border="0" width="100%">
<tr><td class="thead" style="font-weight:normal">
  <a name="post301"><img class="inlineimg" src="images/statusicon/post_old.gif" alt="Lama" border="0" /></a>
  18-03-2024, 10:05
 </td><td class="thead" style="font-weight:normal" align="right">&nbsp;
  #<a href="showpost.php?s=abc&amp;p=301&amp;postcount=1" target="new" rel="nofollow" id="postcount301" name="1"><strong>1</strong></a></td></tr>
<tr valign="top"><td class="alt2" width="175">
  <div id="postmenu_301"><a class="bigusername" href="member.php?s=abc&amp;u=7">budi_palangka</a>
  <script type="text/javascript"> vbmenu_register("postmenu_301", true); </script></div>
  <div class="smallfont">Anggota</div></td>
 <td class="alt1" id="td_post_301">
  <div class="smallfont"><strong>Harga karet turun</strong></div><hr size="1" style="color:#D1D1E1" />
  <div id="post_message_301">Harga karet di Kapuas turun lagi.<br />
Ada yang tahu sebabnya?</div>
  <div class="smallfont"><hr size="1" style="color:#D1D1E1" />
   <em>Terakhir diedit oleh budi_palangka; 18-03-2024 pada <span class="time">11:05</span>.</em></div>
 </td></tr></table></div>
<div id="edit302" style="padding:0px 0px 6px 0px">
<table id="post302" class="tborder" cellpadding="6" cellspacing="0" border="0" width="100%">
<tr><td class="thead" style="font-weight:normal"><a name="post302"><img class="inlineimg" src="images/statusicon/post_old.gif" alt="Lama" border="0" /></a>
  Kemarin, 21:40</td>
 <td class="thead" style="font-weight:normal" align="right">&nbsp;
  #<a href="showpost.php?s=abc&amp;p=302&amp;postcount=2" target="new" rel="nofollow" id="postcount302" name="2"><strong>2</strong></a></td></tr>
<tr valign="top"><td class="alt2" width="175"><div id="postmenu_302">warga sampit</div>
  <div class="smallfont">Tamu</div></td>
 <td class="alt1" id="td_post_302"><div id="post_message_302">
<div style="margin:20px; margin-top:5px; ">
	<div class="smallfont" style="margin-bottom:2px">Kutipan:</div>
	<table cellpadding="6" cellspacing="0" border="0" width="100%">
	<tr>
		<td class="alt2" style="border:1px inset">
			<div>Kutipan Asli dari <strong>budi_palangka</strong> <a href="showthread.php?s=abc&amp;p=301#post301" rel="nofollow"><img class="inlineimg" src="images/buttons/viewpost.gif" border="0" alt="Lihat Tulisan" /></a></div>
			<div style="font-style:italic">Harga karet di Kapuas turun lagi.</div>
		</td>
	</tr>
	</table>
</div>Karena harga dunia turun <img src="images/smilies/frown.gif" border="0" alt="" title="Frown" class="inlineimg" />
<div style="margin:20px; margin-top:5px">
	<div class="smallfont" style="margin-bottom:2px">Kode:</div>
	<pre class="alt2" dir="ltr" style="margin: 0px; padding: 6px; border: 1px inset;">harga = 10000</pre>
</div></div>
 </td></tr></table></div></div></body></html>"""  # noqa: E501

THREADS = HEAD.format(
    title="Ekonomi", reload="forumdisplay.php?s=abc&amp;f=4",
    next="forumdisplay.php?s=abc&amp;f=4&amp;page=2", crumbs="",
) + """<table class="tborder" id="threadslist"><tbody id="threadbits_forum_4">
<tr><td class="alt1" id="td_threadstatusicon_16"><img src="images/statusicon/thread.gif" alt="" /></td>
 <td class="alt1" id="td_threadtitle_16" title="">
  <div><img class="inlineimg" src="images/misc/sticky.gif" alt="Topik Tempel" /> Tempel:
   <a href="showthread.php?s=abc&amp;t=16" id="thread_title_16">Aturan forum</a></div>
  <div class="smallfont"><span style="cursor:pointer" onclick="window.open('member.php?s=abc&amp;u=2', '_self')">admin</span></div></td>
 <td class="alt2" title="Balasan: 0, Dilihat: 120"><div class="smallfont">01-02-2024 <span class="time">08:00</span><br />
  oleh <a href="member.php?find=lastposter&amp;t=16" rel="nofollow">admin</a>
  <a href="showthread.php?s=abc&amp;p=280#post280"><img class="inlineimg" src="images/buttons/lastpost.gif" alt="Ke tulisan terakhir" border="0" /></a></div></td>
 <td class="alt1" align="center"><a href="misc.php?do=whoposted&amp;t=16">0</a></td></tr>
<tr><td class="alt1" id="td_threadstatusicon_15"><img src="images/statusicon/thread_hot.gif" alt="" /></td>
 <td class="alt1" id="td_threadtitle_15" title="">
  <div><a href="showthread.php?s=abc&amp;t=15" id="thread_title_15">Harga karet turun</a></div></td>
 <td class="alt2" title="Balasan: 1.234, Dilihat: 9.876"><div class="smallfont">Kemarin <span class="time">21:40</span><br />
  <a href="showthread.php?s=abc&amp;p=302#post302"><img class="inlineimg" src="images/buttons/lastpost.gif" alt="" border="0" /></a></div></td></tr>
</tbody></table></body></html>"""  # noqa: E501

HOME = HEAD.format(title="Forum Kalteng", reload="index.php?s=abc", next="#", crumbs="") + """
<table class="tborder"><tbody id="collapseobj_forumbit_1"><tr align="center">
 <td class="alt2"><img src="images/statusicon/forum_old.gif" alt="" border="0" /></td>
 <td class="alt1Active" align="left" id="f4">
  <div><a href="forumdisplay.php?s=abc&amp;f=4"><strong>Ekonomi</strong></a></div>
  <div class="smallfont">Jalan, jembatan, harga</div>
  <div class="smallfont" style="margin-top:3px"><strong>Sub-Forum</strong>:
   <a href="forumdisplay.php?s=abc&amp;f=8">Karet</a></div></td></tr></tbody></table>
</body></html>"""


def parse(url: str, html: str) -> object:
    page = Page.from_bytes(url, html.encode("cp1252"), {"Content-Type": "text/html"})
    assert VB.detect(page) == 'vBulletin 3: meta generator "vBulletin 3.8.7"'
    assert engine_named("vbulletin4").detect(page) is None
    assert engine_named("vbulletin5").detect(page) is None
    return VB.parse(page, ParseContext(timezone="Asia/Jakarta", now=NOW))


def test_vb3_thread_page() -> None:
    result = parse(f"{BASE}showthread.php?t=15&s=abc", THREAD)
    thread = result.thread  # type: ignore[attr-defined]
    assert (thread.native_id, thread.title, thread.container, thread.url) == (
        "15", "Harga karet turun", "Ekonomi", f"{BASE}showthread.php?t=15")
    assert result.next_url == f"{BASE}showthread.php?page=2&t=15"  # type: ignore[attr-defined]
    first, second = result.posts  # type: ignore[attr-defined]
    assert (first.native_id, first.position, first.author_name, first.author_id,
            first.author_url) == ("301", 1, "budi_palangka", "7", f"{BASE}member.php?u=7")
    assert first.published_at == datetime(2024, 3, 18, 10, 5, tzinfo=WIB)
    assert first.edited_at == datetime(2024, 3, 18, 11, 5, tzinfo=WIB)
    assert first.title == "Harga karet turun"
    assert first.body_text == "Harga karet di Kapuas turun lagi.\nAda yang tahu sebabnya?"
    assert (second.native_id, second.position, second.author_name, second.author_id) == (
        "302", 2, "warga sampit", None)
    assert second.published_at == datetime(2024, 3, 18, 21, 40, tzinfo=WIB)
    assert second.quoted_native_ids == ["301"]
    assert second.quoted_text == ["Harga karet di Kapuas turun lagi."]
    assert second.body_text == "Karena harga dunia turun :(\nharga = 10000"
    assert second.edited_at is None and second.media == []


def test_vb3_thread_list_and_forum_list() -> None:
    result = parse(f"{BASE}forumdisplay.php?f=4&s=abc", THREADS)
    assert result.kind == "board"  # type: ignore[attr-defined]
    assert result.next_url == f"{BASE}forumdisplay.php?f=4&page=2"  # type: ignore[attr-defined]
    sticky, normal = result.threads  # type: ignore[attr-defined]
    assert (sticky.native_id, sticky.title, sticky.sticky, sticky.signature) == (
        "16", "Aturan forum", True, "0|280")
    assert (normal.native_id, normal.url, normal.sticky, normal.signature, normal.container) == (
        "15", f"{BASE}showthread.php?t=15", False, "1234|302", "Ekonomi")
    home = parse(f"{BASE}index.php", HOME)
    assert home.kind == "index"  # type: ignore[attr-defined]
    assert home.boards == [f"{BASE}forumdisplay.php?f=4",  # type: ignore[attr-defined]
                           f"{BASE}forumdisplay.php?f=8"]
