"""Indonesian and English strings of reports and of every `pantau` command's messages.

``text(key, lang, **values)`` formats one entry of ``CATALOG`` (the report's strings here,
the commands' from crawler.i18n_cli); ``say(key, **values)`` does it in the command's
language: its ``--lang`` where it has one (:func:`choose_lang`), else ``PANTAU_LANG``
(default ``id``). Every key has both languages with the same placeholders
(tests/test_i18n_cli.py, tests/test_report_units.py).
"""

from __future__ import annotations

import os
from typing import Literal

from crawler.i18n_cli import CLI_CATALOG

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
_BY_NAME: dict[str, Lang] = {lang: lang for lang in LANGS}

CATALOG: dict[str, dict[Lang, str]] = {
    # the report
    "title": {"id": "Laporan sebelum dan sesudah peristiwa",
              "en": "Before and after report"},
    "event": {"id": "Peristiwa", "en": "Event"},
    "before": {"id": "Sebelum", "en": "Before"},
    "after": {"id": "Sesudah", "en": "After"},
    "days": {"id": "{n} hari", "en": "{n} days"},
    "generated": {"id": "Dibuat {at}", "en": "Generated {at}"},
    "sources": {"id": "Sumber", "en": "Sources"},
    "all_sources": {"id": "semua sumber wilayah ini", "en": "all sources of this region"},
    "zone_note": {"id": "Semua waktu dalam {zone} ({tz}).", "en": "All times in {zone} ({tz})."},
    "time_note": {
        "id": "Waktu unggahan: saat terbit, atau saat pertama terlihat bila halaman tidak "
              "menampilkannya. Periode sesudah dimulai pukul 00:00 hari peristiwa.",
        "en": "A post's time: when it was published, or when it was first seen where the "
              "page showed no date. The after period starts at 00:00 of the event day."},
    "unequal_periods": {
        "id": "Periode sebelum dan sesudah tidak sama panjang: perubahan dihitung dari "
              "rata-rata per hari.",
        "en": "The periods before and after differ in length: changes compare per-day "
              "averages."},
    "summary": {"id": "Ringkasan", "en": "Summary"},
    "metric_posts": {"id": "Unggahan", "en": "Posts"},
    "metric_authors": {"id": "Akun berbeda", "en": "Distinct authors"},
    "metric_flagged_posts": {"id": "Unggahan bertanda daftar pantau",
                             "en": "Posts flagged by watchlists"},
    "metric": {"id": "Ukuran", "en": "Figure"},
    "change": {"id": "Perubahan", "en": "Change"},
    "per_day": {"id": "per hari", "en": "per day"},
    "new": {"id": "baru", "en": "new"},
    "volume": {"id": "Volume harian", "en": "Daily volume"},
    "by_platform": {"id": "Unggahan per hari menurut platform",
                    "en": "Posts per day by platform"},
    "by_source": {"id": "Unggahan per hari menurut sumber", "en": "Posts per day by source"},
    "other": {"id": "lainnya", "en": "other"},
    "watchlists": {"id": "Daftar pantau", "en": "Watchlists"},
    "watchlist_daily": {"id": "Temuan daftar pantau per hari", "en": "Watchlist hits per day"},
    "flag": {"id": "Tanda", "en": "Flag"},
    "top_flagged": {"id": "Unggahan bertanda teratas", "en": "Top flagged posts"},
    "flagged_note": {
        "id": "Diurutkan menurut jumlah tanda, lalu besar klaster duplikat. Penulis "
              "disamarkan; alamat e-mail, @akun dan nomor telepon dalam kutipan dihapus.",
        "en": "Ranked by number of flags, then near-duplicate cluster size. Authors are "
              "pseudonymized; e-mail addresses, @handles and phone numbers are removed from "
              "excerpts."},
    "time": {"id": "Waktu", "en": "Time"},
    "source": {"id": "Sumber", "en": "Source"},
    "author": {"id": "Penulis (samaran)", "en": "Author (pseudonym)"},
    "excerpt": {"id": "Kutipan", "en": "Excerpt"},
    "cluster": {"id": "Klaster duplikat", "en": "Near-duplicate cluster"},
    "copies": {"id": "{n} salinan", "en": "{n} copies"},
    "deleted": {"id": "dihapus", "en": "deleted"},
    "open": {"id": "buka", "en": "open"},
    "threads": {"id": "Utas teraktif", "en": "Most active threads"},
    "thread": {"id": "Utas", "en": "Thread"},
    "posts": {"id": "Unggahan", "en": "Posts"},
    "authors": {"id": "Akun", "en": "Authors"},
    "flagged": {"id": "Bertanda", "en": "Flagged"},
    "first_last": {"id": "Pertama dan terakhir", "en": "First and last"},
    "terms": {"id": "Kata teratas", "en": "Top terms"},
    "terms_note": {"id": "Jumlah unggahan yang memuat kata itu, tanpa kata umum (stopword).",
                   "en": "Posts containing the term; stopwords left out."},
    "term": {"id": "Kata", "en": "Term"},
    "areas": {"id": "Menurut kabupaten/kota", "en": "By regency/city"},
    "area": {"id": "Wilayah", "en": "Area"},
    "area_unnamed": {"id": "(tidak menyebut wilayah di bawahnya)",
                     "en": "(names no area within the region)"},
    "areas_note": {
        "id": "Menurut wilayah yang disebut unggahan atau wilayah sumbernya; unggahan yang "
              "menyebut beberapa wilayah dihitung di tiap wilayah.",
        "en": "By the areas a post names or its source belongs to; a post naming several "
              "areas counts for each."},
    "no_data": {"id": "Tidak ada data", "en": "No data"},
    "nothing": {"id": "Tidak ada unggahan dalam periode ini.",
                "en": "No posts in this window."},
    # CLI messages
    "building": {"id": "menyusun laporan…", "en": "building the report…"},
    "report_written": {"id": "laporan ditulis ke {path} ({posts} unggahan)",
                       "en": "report written to {path} ({posts} posts)"},
    "exporting": {"id": "mengekspor", "en": "exporting"},
    "export_done": {
        "id": "{rows} unggahan diekspor ke {path} dalam {seconds:.1f} detik ({rate:,.0f}/detik)",
        "en": "{rows} posts exported to {path} in {seconds:.1f} s ({rate:,.0f}/s)"},
    "bad_region": {"id": "--region {value!r} bukan kode Kemendagri",
                   "en": "--region {value!r} is not a Kemendagri code"},
    "bad_region_hint": {"id": "contoh: --region 62 atau --region 62.71",
                        "en": "use e.g. --region 62 or --region 62.71"},
    "bad_event": {"id": "--event {value!r} bukan tanggal", "en": "--event {value!r} is not a date"},
    "bad_event_hint": {"id": "contoh: --event 2019-04-17", "en": "use e.g. --event 2019-04-17"},
    "bad_duration": {"id": "{option} {value!r} bukan lama waktu antara 1h dan 366d",
                     "en": "{option} {value!r} is not a duration between 1h and 366d"},
    "bad_duration_hint": {"id": "contoh: {option} 14d, 2w atau 36h",
                          "en": "use e.g. {option} 14d, 2w or 36h"},
    "bad_time": {"id": "{option} {value!r} bukan tanggal maupun umur",
                 "en": "{option} {value!r} is neither a date nor an age"},
    "bad_time_hint": {"id": "contoh: {option} 2019-04-01, '2019-04-01 08:00+07:00' atau 7d",
                      "en": "use e.g. {option} 2019-04-01, '2019-04-01 08:00+07:00' or 7d"},
    "empty_range": {"id": "--since {since} tidak sebelum --until {until}",
                    "en": "--since {since} is not before --until {until}"},
    "empty_range_hint": {"id": "tukar keduanya", "en": "swap them"},
    "unknown_source": {"id": "sumber tidak dikenal: {names}", "en": "unknown source: {names}"},
    "unknown_source_hint": {"id": "`pantau status` menampilkan nama sumber",
                            "en": "`pantau status` lists the sources"},
    "exists": {"id": "{path} sudah ada", "en": "{path} already exists"},
    "exists_hint": {"id": "pilih nama lain, atau --force untuk menimpanya",
                    "en": "choose another name, or --force to overwrite it"},
    "no_dir": {"id": "folder {dir} tidak ada", "en": "the folder {dir} does not exist"},
    "no_dir_hint": {"id": "buat folder itu dulu, atau pilih -o lain",
                    "en": "create it first, or choose another -o"},
    "cannot_write": {"id": "tidak bisa menulis {path}: {reason}",
                     "en": "cannot write {path}: {reason}"},
    "cannot_write_hint": {"id": "periksa izin dan ruang disk",
                          "en": "check permissions and free disk space"},
    "parquet_stdout": {"id": "Parquet tidak bisa ditulis ke keluaran standar",
                       "en": "Parquet cannot be written to standard output"},
    "parquet_stdout_hint": {"id": "beri -o BERKAS.parquet", "en": "give -o FILE.parquet"},
    "csv_only": {"id": "{option} hanya untuk --format csv",
                 "en": "{option} applies to --format csv only"},
    "csv_only_hint": {"id": "hapus {option}, atau pakai --format csv",
                      "en": "drop {option}, or use --format csv"},
    "bad_delimiter": {"id": "--delimiter {value!r}: pakai ',', ';', '|' atau tab",
                      "en": "--delimiter {value!r}: use ',', ';', '|' or a tab"},
    "bad_delimiter_hint": {"id": "contoh: --delimiter ';'", "en": "e.g. --delimiter ';'"},
    "bad_timezone": {"id": "--timezone {value!r} bukan nama zona waktu IANA",
                     "en": "--timezone {value!r} is not an IANA time zone name"},
    "bad_timezone_hint": {"id": "contoh: --timezone Asia/Makassar (WITA)",
                          "en": "e.g. --timezone Asia/Makassar (WITA)"},
    "old_schema": {"id": "database belum punya view laporan (migrasi 0006)",
                   "en": "the database has no report views yet (migration 0006)"},
    "old_schema_hint": {"id": "jalankan `pantau db migrate`", "en": "run `pantau db migrate`"},
}
_SHARED = set(CATALOG) & set(CLI_CATALOG)
assert not _SHARED, f"keys in both catalogues: {_SHARED}"
CATALOG.update(CLI_CATALOG)
_chosen: list[Lang] = []  # the --lang of the running command, if it has one


def text(key: str, lang: Lang, **values: object) -> str:
    """The catalog entry ``key`` in ``lang``, formatted with ``values``."""
    return CATALOG[key][lang].format(**values)


def resolve_lang(option: str | None) -> Lang:
    """``--lang`` when given, else ``PANTAU_LANG``."""
    if option is not None and option in _BY_NAME:
        return _BY_NAME[option]
    from crawler.config.settings import get_settings

    return get_settings().lang


def choose_lang(lang: Lang) -> Lang:
    """Make ``lang`` (a command's ``--lang``) the language of this process's messages."""
    _chosen[:] = [lang]
    return lang


def reset_lang() -> None:
    """Forget a chosen language (each command invocation starts from PANTAU_LANG)."""
    _chosen.clear()


def cli_lang() -> Lang:
    """The language of command messages: the chosen ``--lang``, else ``PANTAU_LANG``.

    Never raises: with settings that do not validate (their error is being printed), the
    ``PANTAU_LANG`` variable itself decides, else Indonesian.
    """
    if _chosen:
        return _chosen[0]
    try:
        from crawler.config.settings import get_settings

        return get_settings().lang
    except Exception:
        return _BY_NAME.get(os.environ.get("PANTAU_LANG", "").strip().lower(), "id")


def say(key: str, **values: object) -> str:
    """The catalog entry ``key`` in the command's language (:func:`cli_lang`)."""
    return text(key, cli_lang(), **values)
