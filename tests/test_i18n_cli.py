"""Every command message in Indonesian and English: the catalogue is complete and consistent,
crawler/cli prints no English literal of its own, and the prefixes follow the language."""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.cli.errors import UserError, run_guarded
from crawler.config.settings import get_settings
from crawler.i18n import CATALOG, LANGS, choose_lang, cli_lang, reset_lang, say, text
from crawler.i18n_cli import CLI_CATALOG

CLI = Path(__file__).resolve().parents[1] / "crawler" / "cli"
MARKUP = re.compile(r"\[/?[a-z0-9 #_.-]*\]")
# Not words of a language: option and setting names, commands, addresses, paths.
# Rich's {task.fields[...]} templates are placeholders too.
NOT_WORDS = re.compile(r"--[a-z][a-z-]*|PANTAU_[A-Z_]+|`[^`]*`|https?://\S*|\S+/\S+|\{[^}]*\}")
# Literals that may stay: (file, literal) -> why.
WHITELIST = {
    ("report.py", "--lang : pakai id atau en / use id or en"):
        "the language itself is what is wrong, so the line says it in both",
    ("report.py", "--lang id (Bahasa Indonesia) / --lang en (English)"):
        "the hint of that line, in both languages too",
    ("export.py", "export"):
        "a progress task's name; its TextColumn shows a fixed, translated text instead",
    ("monitor.py", "alerts_sent"): "the name of the table shown, as in SQL",
}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_key_has_both_languages_with_the_same_placeholders_and_markup() -> None:
    assert not set(CLI_CATALOG) - set(CATALOG), "the CLI messages are in the one catalogue"
    for key, entry in CATALOG.items():
        assert set(entry) == set(LANGS), key
        assert all(entry[lang].strip() for lang in LANGS), key
        assert _fields(entry["id"]) == _fields(entry["en"]), key
        assert sorted(MARKUP.findall(entry["id"])) == sorted(MARKUP.findall(entry["en"])), key


def test_every_message_formats_in_both_languages() -> None:
    for key, entry in CLI_CATALOG.items():
        values = dict.fromkeys(_fields(entry["en"]), 1)
        for lang in LANGS:
            assert text(key, lang, **values), key


def _literal(node: ast.AST) -> str | None:
    """The literal text of a str constant, an f-string's fixed parts or a sum of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def _shown(call: ast.Call) -> Iterator[ast.AST]:
    """The arguments of ``call`` that reach the user's screen."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    keywords = {k.arg: k.value for k in call.keywords}
    if name in ("UserError", "Table", "add_row"):
        yield from call.args
        yield from (v for k, v in keywords.items() if k in ("hint", "title"))
    elif name in ("print", "echo", "status", "add_column", "TextColumn", "add_task"):
        yield from call.args[:1]
    if name == "update" and "description" in keywords:
        yield keywords["description"]


def _branches(node: ast.AST) -> Iterator[ast.AST]:
    if isinstance(node, ast.IfExp):
        yield from _branches(node.body)
        yield from _branches(node.orelse)
    else:
        yield node


def english_literals() -> list[tuple[str, int, str]]:
    """(file, line, literal) of every literal with words shown by crawler/cli."""
    found = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for arg in (b for a in _shown(node) for b in _branches(a)):
                literal = _literal(arg)
                if literal is None or (path.name, literal) in WHITELIST:
                    continue
                if re.search(r"[A-Za-z]{2,}", NOT_WORDS.sub("", MARKUP.sub("", literal))):
                    found.append((path.name, node.lineno, literal))
    return found


def test_no_english_literal_is_printed_by_the_cli() -> None:
    assert english_literals() == []


def test_the_scan_finds_what_it_forbids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bad.py").write_text(
        'raise UserError("cannot do it", f"try --force on {path}")\n'
        'console.print(f"[green]{n} posts[/] done")\n'
        'table = Table("region", say("col_source"))\n'
        'console.print(say("done") if ok else "failed")\n'
        'console.print(f"{name}: [bold]{value}[/] `pantau db migrate`")\n', "utf-8")
    monkeypatch.setattr(f"{__name__}.CLI", tmp_path)
    assert [(line, text) for _, line, text in english_literals()] == [
        (1, "cannot do it"), (1, "try --force on "), (2, "[green] posts[/] done"),
        (3, "region"), (4, "failed")]


def _used_keys() -> tuple[set[str], set[str]]:
    """Keys given literally to say()/text() in crawler/, and prefixes of f-string keys."""
    keys: set[str] = set()
    prefixes: set[str] = set()
    root = CLI.parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") in
                    ("say", "text") and node.args):
                continue
            for first in _branches(node.args[0]):
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    keys.add(first.value)
                elif (isinstance(first, ast.JoinedStr)
                      and isinstance(first.values[0], ast.Constant)):
                    prefixes.add(str(first.values[0].value))
    return keys, prefixes


def test_keys_used_exist_and_every_cli_key_is_used() -> None:
    keys, prefixes = _used_keys()
    assert keys - set(CATALOG) == set(), "a say()/text() key missing from the catalogue"
    unused = {k for k in CLI_CATALOG if k not in keys and not k.startswith(tuple(prefixes))}
    assert unused == set()


@pytest.fixture
def lang_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    reset_lang()
    get_settings.cache_clear()


def _guarded(error: Exception, capsys: pytest.CaptureFixture[str]) -> list[str]:
    def fail() -> None:
        raise error

    with pytest.raises(SystemExit):
        run_guarded(fail)
    return capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize(("lang", "lines"), [
    ("id", ["galat: bukan alamat web: ftp://x", "saran: pakai URL http:// atau https://"]),
    ("en", ["error: not a web address: ftp://x", "hint: use http:// or https:// URLs"]),
])
def test_prefixes_and_message_follow_pantau_lang(
        lang: str, lines: list[str], lang_env: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    lang_env.setenv("PANTAU_LANG", lang)
    from crawler.cli.crawl import resolve_target

    with pytest.raises(UserError) as raised:
        resolve_target("ftp://x", get_settings(), None, None, None, None)
    assert _guarded(raised.value, capsys) == lines


def test_a_chosen_lang_wins_and_each_command_starts_afresh(
        lang_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lang_env.setenv("PANTAU_LANG", "id")
    choose_lang("en")  # `--lang en` of report/export
    assert cli_lang() == "en" and say("error_prefix") == "error"

    def command() -> None:  # run_guarded forgets the previous command's --lang
        raise UserError(say("no_tables"), say("migrate_hint"))

    with pytest.raises(SystemExit):
        run_guarded(command)
    assert capsys.readouterr().err.splitlines() == [
        "galat: database belum punya tabel pantau", "saran: jalankan `pantau db migrate`"]


def test_settings_that_do_not_validate_still_get_their_language(
        lang_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lang_env.setenv("PANTAU_LANG", "en")
    lang_env.setenv("PANTAU_DOWNLOAD_DELAY", "soon")
    with pytest.raises(SystemExit) as exited:
        run_guarded(get_settings)
    assert exited.value.code == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("error: PANTAU_DOWNLOAD_DELAY:")
    assert err[1] == "hint: see docs/operations.md for every setting"
    lang_env.setenv("PANTAU_LANG", "id")
    with pytest.raises(SystemExit):
        run_guarded(get_settings)
    assert capsys.readouterr().err.splitlines()[1] == (
        "saran: lihat docs/operations.md untuk setiap pengaturan")
