"""Post bodies: own text, quotes and quoted ids, links, images, signatures."""

from __future__ import annotations

from pathlib import Path

from parsel import Selector

from crawler.extract.text import extract_body

BASE = "http://forum.example/viewtopic.php?t=5"


def body(html: str) -> Selector:
    return Selector(text=f'<html><body><div class="content">{html}</div></body></html>').css(
        "div.content")[0]


def test_br_and_blocks_break_lines_and_source_newlines_do_not() -> None:
    html = "Baris satu<br>\nbaris\n  dua<br><br>Paragraf <b>baru</b><p>blok</p>akhir"
    parts = extract_body(body(html))
    assert parts.own_text == "Baris satu\nbaris dua\n\nParagraf baru\nblok\nakhir"


def test_phpbb32_quote_with_post_id_is_removed_from_own_text() -> None:
    html = (
        '<blockquote><div><cite><a href="./memberlist.php?mode=viewprofile&amp;u=2">budi</a> '
        'menulis: <a href="./viewtopic.php?p=123#p123" data-post-id="123">↑</a>'
        '<span class="responsive-hide">Sen Mar 18, 2024 10:05 am</span></cite>'
        "Jalan ke Sampit rusak.<br>Parah sekali.</div></blockquote>Setuju, saya juga lewat sana."
    )
    parts = extract_body(body(html), BASE)
    assert parts.own_text == "Setuju, saya juga lewat sana."
    assert parts.quoted_ids == ["123"]
    assert parts.quoted_texts == ["Jalan ke Sampit rusak.\nParah sekali."]
    assert parts.links == []  # links of the cite and the quote are not the author's


def test_two_quotes_interleaved_with_replies() -> None:
    html = (
        '<blockquote><div><cite>Tamu menulis: <a href="./viewtopic.php?p=7#p7">↑</a></cite>'
        "satu</div></blockquote>jawab satu"
        '<blockquote><div><cite><a href="./memberlist.php?u=3">ani</a> wrote: '
        '<a href="./viewtopic.php?p=9&amp;sid=ab#p9">↑</a></cite>dua</div></blockquote>jawab dua'
    )
    parts = extract_body(body(html), BASE)
    assert parts.own_text == "jawab satu\njawab dua"
    assert parts.quoted_ids == ["7", "9"]
    assert parts.quoted_texts == ["satu", "dua"]


def test_nested_quote_counts_only_the_outer_post() -> None:
    html = (
        '<blockquote><div><cite>a wrote: <a href="./viewtopic.php?p=20#p20" data-post-id="20">↑'
        '</a></cite><blockquote><div><cite>b wrote: <a data-post-id="10" href="#p10">↑</a>'
        "</cite>lama</div></blockquote>baru</div></blockquote>jawaban"
    )
    parts = extract_body(body(html), BASE)
    assert parts.quoted_ids == ["20"]
    assert parts.quoted_texts == ["lama\nbaru"]
    assert parts.own_text == "jawaban"


def test_uncited_and_old_style_quotes_have_no_id() -> None:
    html = ('<blockquote class="uncited"><div>Isen mulang.</div></blockquote>Kata pepatah.'
            "<blockquote><div><cite>budi wrote:</cite>tanpa id</div></blockquote>")
    parts = extract_body(body(html), BASE)
    assert parts.own_text == "Kata pepatah."
    assert parts.quoted_ids == []
    assert parts.quoted_texts == ["Isen mulang.", "tanpa id"]


def test_links_are_absolute_and_unique_images_are_media_smilies_are_text() -> None:
    html = (
        'Lihat <a href="https://kpu.example/a" class="postlink">https://kpu.example/a</a> dan '
        '<a href="./viewtopic.php?t=9">topik</a> <a href="https://kpu.example/a">lagi</a> '
        '<a href="#p3">atas</a> <img class="smilies" src="./images/smilies/icon_e_smile.gif" '
        'alt=":)"> <img src="/files/foto.jpg" alt="banjir" class="postimage">'
    )
    parts = extract_body(body(html), BASE)
    assert parts.own_text == "Lihat https://kpu.example/a dan topik lagi atas :)"
    assert parts.links == ["https://kpu.example/a", "http://forum.example/viewtopic.php?t=9"]
    assert parts.media == [{"type": "image", "url": "http://forum.example/files/foto.jpg",
                            "alt": "banjir"}]


def test_signature_notice_scripts_and_code_box() -> None:
    html = (
        "Isi<script>var x = 1;</script>"
        '<div class="notice">Terakhir diubah oleh budi pada Hari ini, total diubah 1 kali.</div>'
        '<div id="sig5" class="signature">Salam</div>'
        '<div class="codebox"><p>Kode: <a href="#">Pilih semua</a></p><pre><code>a  =  1\n'
        "b = 2</code></pre></div>"
    )
    parts = extract_body(body(html), BASE)
    assert parts.own_text == "Isi\na = 1\nb = 2"


def test_entities_and_unicode_are_normalized() -> None:
    parts = extract_body(body("Jalan &amp; jembatan&nbsp;&lt;baru&gt; Cafe\u0301"), BASE)
    assert parts.own_text == "Jalan & jembatan <baru> Café"


def test_empty_body() -> None:
    assert extract_body(body(""), BASE).own_text == ""


def test_real_phpbb_post(real_fixtures: Path) -> None:
    page = Selector(text=(real_fixtures / "phpbb" / "foren.myoos.de.html").read_text("utf-8"))
    parts = extract_body(page.css("#p453 div.content")[0], "https://foren.myoos.de/viewtopic.php?t=167")
    assert parts.own_text.startswith("Was ist Freie Software und warum ist sie wichtig?\nvon Georg")
    assert "Der fundamentale Akt" not in parts.own_text
    assert "\nRichard Stallman\n" in parts.own_text
    assert "Digitalagentur" not in parts.own_text  # the signature
    assert parts.quoted_ids == []
    assert parts.quoted_texts[0].startswith("Der fundamentale Akt von Freundschaft")
    assert parts.links[0] == "http://www.gnu.org/philosophy/free-sw.de.html"
    assert len(parts.links) == 11
