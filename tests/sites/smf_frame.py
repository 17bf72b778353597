"""The SMF page frame (index.template.php): head with smf_* script vars, linktree, footer."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.sites.smf import SmfPages


def _linktree(pages: SmfPages, crumbs: list[tuple[str, str]]) -> str:
    items = [(pages.forum.title, pages.scripturl), *crumbs]
    out = []
    for i, (name, url) in enumerate(items):
        last = ' class="last"' if i == len(items) - 1 else ""
        if pages.version == "2.0":
            sep = " &#187;" if i < len(items) - 1 else ""
            out.append(f'<li{last}><a href="{url}"><span>{escape(name)}</span></a>{sep}</li>')
        else:
            divider = '<span class="dividers"> &#9658; </span> ' if i else ""
            out.append(f'<li{last}>{divider}<a href="{url}"><span>{escape(name)}</span></a></li>')
    return f'<div class="navigate_section"><ul>{"".join(out)}</ul></div>'


def _head(pages: SmfPages, title: str, canonical: str | None, next_url: str | None) -> str:
    theme = pages.scripturl.rsplit("/", 1)[0] + "/Themes/default"
    links = ""
    if canonical:
        links += f'<link rel="canonical" href="{canonical}">\n'
    if next_url:
        links += f'<link rel="next" href="{next_url}">\n'
    return f"""<meta charset="UTF-8">
<link rel="stylesheet" href="{theme}/css/index.css?smf214">
<script>
var smf_theme_url = "{theme}";
var smf_default_theme_url = "{theme}";
var smf_images_url = "{theme}/images";
var smf_scripturl = "{pages.scripturl}";
var smf_charset = "UTF-8";
var smf_session_var = "c4a1e2f3";
var smf_member_id = 0;
var ajax_notification_text = 'Memuat...';
</script>
<script src="{theme}/scripts/script.js?smf214"></script>
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
{links}<link rel="help" href="{pages.scripturl}?action=help">
<link rel="contents" href="{pages.scripturl}">"""


def frame(pages: SmfPages, title: str, body: str, crumbs: list[tuple[str, str]],
          canonical: str | None, next_url: str | None) -> str:
    """A whole page around ``body``."""
    tree = _linktree(pages, crumbs)
    if pages.version == "2.0":
        return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
{_head(pages, title, canonical, next_url)}
</head>
<body>
<div id="wrapper" style="width: 90%">
<div id="header"><div class="frame"><div id="top_section"><h1 class="forumtitle">
<a href="{pages.scripturl}">{escape(pages.forum.title)}</a></h1></div></div></div>
<div id="content_section"><div class="frame"><div id="main_content_section">
{tree}
{body}
{tree}
</div></div></div>
<div id="footer_section"><div class="frame"><ul class="reset">
<li class="copyright"><span class="smalltext" style="display: inline; visibility: visible;">\
<a href="{pages.scripturl}?action=credits" title="Simple Machines Forum" target="_blank" \
class="new_win">SMF 2.0.19</a> | <a href="http://www.simplemachines.org/about/smf/license.php" \
title="License" target="_blank" class="new_win">SMF &copy; 2021</a>, <a \
href="http://www.simplemachines.org" title="Simple Machines" target="_blank" \
class="new_win">Simple Machines</a></span></li>
</ul></div></div>
</div>
</body></html>"""
    return f"""<!DOCTYPE html>
<html lang="id-ID">
<head>
{_head(pages, title, canonical, next_url)}
</head>
<body id="chrome" class="action_home">
<div id="footerfix">
<div id="header"><h1 class="forumtitle"><a id="top" href="{pages.scripturl}">\
{escape(pages.forum.title)}</a></h1></div>
<div id="wrapper">
<div id="upper_section"><div id="inner_section">
{tree}
</div></div>
<div id="content_section"><div id="main_content_section">
{body}
{tree}
</div></div>
</div>
<div id="footer"><div class="inner_wrap"><ul>
<li class="floatright"><a href="{pages.scripturl}?action=help">Bantuan</a> | <a \
href="{pages.scripturl}?action=agreement">Syarat dan Aturan</a> | <a href="#top_section">\
Ke Atas &#9650;</a></li>
<li class="copyright"><a href="{pages.scripturl}?action=credits" title="Lisensi" \
target="_blank" rel="noopener">SMF 2.1.4 &copy; 2023</a>, <a href="https://www.simplemachines.org" \
title="Simple Machines" target="_blank" rel="noopener">Simple Machines</a></li>
</ul></div></div>
</div>
</body>
</html>"""
