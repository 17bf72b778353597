"""vBulletin 5.6 (Connect) default-theme fragments with the Indonesian language pack:
URLs, dates, messages (BB code quotes, smilies), the post (``li.b-post``), topic rows and
the page navigation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import escape

from crawler.demosite.model import Post, QuoteRef, Segment, Uncited
from tests.sites.vbulletin_data import slug

_URL = re.compile(r"https?://[^\s<>\"]+")
_SMILIES = {":)": ("smile.png", "Smile", 1), ";)": ("wink.png", "Wink", 6)}
_SMILEY = re.compile(r"(?<=\s):\)|(?<=\s);\)")


def member_url(base: str, user_id: int, name: str) -> str:
    """``/member/7-budi_palangka``."""
    return f"{base}member/{user_id}-{slug(name).lower()}"


def vb_date(when: datetime, now: datetime) -> str:
    """vB5's default ``m-d-Y, h:i A`` ("03-18-2024, 10:05 AM"), "Hari ini"/"Kemarin"."""
    local = when.astimezone(now.tzinfo)
    day = local.strftime("%m-%d-%Y")
    if local.date() == now.date():
        day = "Hari ini"
    elif local.date() == (now - timedelta(days=1)).date():
        day = "Kemarin"
    return f"{day}, {local:%I:%M %p}"


def text_html(text: str) -> str:
    """Plain text as vB5's BB code parser outputs it: escaped, links, smilies, ``<br />``."""
    out = escape(text, quote=False)
    out = _URL.sub(lambda m: f'<a href="{m.group(0)}" target="_blank">{m.group(0)}</a>', out)
    out = _SMILEY.sub(lambda m: '<img src="core/images/smilies/{}" border="0" alt="" '
                      'title="{}" smilieid="{}" class="inlineimg" />'.format(
                          *_SMILIES[m.group(0)]), out)
    return out.replace("\n", "<br />\n")


def quote_html(quote: QuoteRef | Uncited, thread_url: str) -> str:
    """``[QUOTE=name;n123]`` as vB5's bbcode_quote template renders it."""
    if isinstance(quote, Uncited):
        inner = text_html(quote.text)
    else:
        inner = (f'<div class="bbcode_postedby"><strong>{escape(quote.author_name)}</strong> '
                 f'menulis: <a href="{thread_url}?p={quote.post_id}#post{quote.post_id}" '
                 'rel="nofollow"><span class="b-icon b-icon__arrow-right--gray"></span></a>'
                 f'</div><div class="message">{text_html(quote.text)}</div>')
    return ('<div class="bbcode_container"><div class="bbcode_quote"><div class="quote_container">'
            '<div class="bbcode_quote_container b-icon b-icon__ldquo-l--gray"></div>'
            f"{inner}</div></div></div>")


def message_html(segments: list[Segment], thread_url: str) -> str:
    """A post's ``js-post__content-text`` HTML."""
    return "".join(text_html(s) if isinstance(s, str) else quote_html(s, thread_url)
                   for s in segments)


def author_html(post: Post, base: str) -> str:
    """``.b-userinfo__details``: a member's namecard link, or a guest's name."""
    if post.author_id is None:
        name, title = f'<span itemprop="name">{escape(post.author_name)}</span>', "Tamu"
    else:
        href = member_url(base, post.author_id, post.author_name)
        name = (f'<a href="{href}" data-vbnamecard="{post.author_id}" itemprop="url">'
                f'<span itemprop="name">{escape(post.author_name)}</span></a>')
        title = "Anggota"
    return (f'<div class="b-userinfo__details"><div class="author h-text-size--14"><strong>{name}'
            f'</strong></div><div class="usertitle">{title}</div></div>')


def post_html(post: Post, position: int, thread_url: str, base: str, now: datetime) -> str:
    """One ``li.b-post`` of the thread view."""
    nid, first = post.post_id, position == 1
    local = post.published_at.astimezone(now.tzinfo)
    title = (f'<h2 class="b-post__title js-post-title OLD__post-title">{escape(post.subject)}'
             "</h2>" if first else "")
    edit = ""
    if post.edited_at is not None:
        edit = (f'<div class="b-post__edit-info h-margin-top-xl">Terakhir diedit oleh '
                f"{escape(post.author_name)}; {vb_date(post.edited_at, now)}.</div>")
    kind = "first OLD__conversation-starter" if first else "reply js-conversation-reply"
    return f"""<li data-node-id="{nid}" data-node-publishdate="{int(post.published_at.timestamp())}" class="b-post js-post js-comment-entry__parent h-restore--on-preview b-post--text b-post--{kind} h-left h-clear" itemscope="" itemtype="http://schema.org/{'CreativeWork' if first else 'Comment'}">
	<a id="post{nid}" class="anchor"></a>
	<div class="l-row l-row__fixed--left">
		<div class="l-col__fixed-3 l-col__small--full h-hide--on-preview">
			<div class="userinfo b-userinfo b-post__hide-when-deleted" itemprop="author" itemscope="" itemtype="http://schema.org/Person">{author_html(post, base)}</div>
		</div>
		<div class="js-post__content-wrapper l-col__flex-3 l-col__small--full h-restore--on-preview">
			<div class="b-post__body h-restore--on-preview h-clearfix">
				<div class="b-post__content js-post__content b-post__hide-when-deleted">
					<hr class="b-divider--section OLD__section-divider" />
					<div class="b-media h-hide--on-preview">
						<div class="b-media__img--rev"><a class="b-post__count js-show-post-link" href="{thread_url}?p={nid}#post{nid}">#{position}</a></div>
						<div class="b-media__body">{title}
							<div class="b-post__timestamp OLD__post-date"><time itemprop="dateCreated" datetime="{local:%Y-%m-%dT%H:%M:%S}">{vb_date(post.published_at, now)}</time></div>
						</div>
					</div>
					<div class="OLD__post-content h-padding-vert-xl">
						<div class="js-post__content-text OLD__post-content-text restore h-wordwrap" itemprop="text">{message_html(post.segments, thread_url)}</div>
					</div>
					{edit}
				</div>
				<div class="b-post__footer h-hide--on-preview h-clear"><ul class="h-right js-post-controls b-comp-menu-horizontal" data-node-id="{nid}">
					<li><a href="#" class="b-button b-button--secondary js-post-control__quote" data-node-id="{nid}" title="Kutip"><span class="b-icon b-icon__quote"></span></a></li>
				</ul></div>
			</div>
		</div>
	</div>
</li>"""  # noqa: E501


def pagenav(url: str, page: int, pages: int) -> str:
    """The toolbar's "Halaman X dari Y" form and the previous/next buttons."""
    def href(number: int) -> str:
        return url if number <= 1 else f"{url}/page{number}"

    prev_hidden = " h-hide-imp" if page <= 1 else ""
    next_hidden = " h-hide-imp" if page >= pages else ""
    return f"""<div class="pagenav-controls"><form class="pagenav-form h-clearfix" action="{url}">
	<input class="defaultpage" value="{page}" type="hidden" />
	<div class="pagenav h-left">Halaman <input name="page" class="js-pagenum textbox h-padding-horiz-none" value="{page}" type="text" /> dari <span class="pagetotal">{pages}</span></div>
</form></div>
<div class="pagenav-container h-clearfix noselect"><div class="js-pagenav pagenav h-right js-shrink-event-parent">
	<a class="js-pagenav-button js-pagenav-prev-button b-button b-button--secondary{prev_hidden}" data-page="{max(page - 1, 0)}" href="{href(page - 1) if page > 1 else '#'}" tabindex="0">Sebelumnya</a>
	<a class="js-pagenav-button js-pagenav-next-button b-button b-button--secondary{next_hidden}" data-page="{page + 1 if page < pages else 0}" href="{href(page + 1) if page < pages else '#'}" tabindex="0">Berikutnya</a>
</div></div>"""  # noqa: E501
