"""Indonesian and English messages of the `pantau` commands (merged into crawler.i18n.CATALOG).

Errors and hints, status lines, summaries, progress texts and table headings; Typer's
``--help`` texts stay English (docs/analysts.md). Rich markup (``[bold]``...) is part of
an entry where the command prints it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.i18n import Lang

CLI_CATALOG: dict[str, dict[Lang, str]] = {
    # crawler/cli/errors.py: the prefixes and the hints of known failures
    "error_prefix": {"id": "galat", "en": "error"},
    "hint_prefix": {"id": "saran", "en": "hint"},
    "interrupted": {"id": "dihentikan", "en": "interrupted"},
    "config_hint": {"id": "perbaiki berkasnya, lalu periksa dengan "
                          "`pantau sources validate BERKAS`",
                    "en": "fix the file, then check it with `pantau sources validate FILE`"},
    "database_hint": {"id": "apakah PostgreSQL berjalan? periksa PANTAU_DATABASE_URL",
                      "en": "is PostgreSQL running? check PANTAU_DATABASE_URL"},
    "redis_unreachable": {"id": "Redis tidak terjangkau: {error}",
                          "en": "cannot reach Redis: {error}"},
    "redis_unreachable_at": {"id": "Redis di {url} tidak terjangkau: {error}",
                             "en": "cannot reach Redis at {url}: {error}"},
    "redis_hint": {"id": "apakah Redis berjalan? periksa PANTAU_REDIS_URL",
                   "en": "is Redis running? check PANTAU_REDIS_URL"},
    "embedded_failed": {"id": "layanan tertanam: {error}", "en": "embedded service: {error}"},
    "embedded_hint": {"id": "lihat docs/operations.md, 'One machine'",
                      "en": "see docs/operations.md, 'One machine'"},
    "settings_hint": {"id": "lihat docs/operations.md untuk setiap pengaturan",
                      "en": "see docs/operations.md for every setting"},
    "config_option_hint": {"id": "beri --config BERKAS atau atur PANTAU_CONFIG",
                           "en": "pass --config FILE or set PANTAU_CONFIG"},
    "migrate_hint": {"id": "jalankan `pantau db migrate`", "en": "run `pantau db migrate`"},
    # services, admin: db migrate, sources validate, services status|stop
    "starting_embedded": {"id": "[dim]menjalankan {name} tertanam di {state}[/]",
                          "en": "[dim]starting embedded {name} in {state}[/]"},
    "no_tables": {"id": "database belum punya tabel pantau",
                  "en": "the database has no pantau tables yet"},
    "db_revision": {"id": "database pada revisi [bold]{revision}[/]",
                    "en": "database at revision [bold]{revision}[/]"},
    "validate_ok": {"id": "[green]ok[/]: {regions} wilayah, {sources} sumber",
                    "en": "[green]ok[/]: {regions} regions, {sources} sources"},
    "terms_blocked": {"id": "[yellow]diblokir[/] {source}: {reason} (tidak di-crawl, tidak "
                            "dijadwalkan; terms_override mencabutnya)",
                      "en": "[yellow]blocked[/] {source}: {reason} (not crawled, not scheduled; "
                            "terms_override lifts it)"},
    "terms_overridden": {"id": "[yellow]ketentuan dikesampingkan[/] {source}: {terms} "
                               "(oleh {override})",
                         "en": "[yellow]terms overridden[/] {source}: {terms} "
                               "(override {override})"},
    "source_blocked": {"id": "sumber {target!r}: {reason} ({path})",
                       "en": "source {target!r} is {reason} ({path})"},
    "terms_hint": {"id": "crawl hanya dengan izin situsnya atau dasar hukum yang tercatat: lalu "
                         "tambahkan terms_override: {{by: NAMA, reason: ALASAN, date: "
                         "YYYY-MM-DD}} ke sumbernya (docs/sources.md, 'Terms')",
                   "en": "crawl it only with the site's permission or a documented legal basis: "
                         "then add terms_override: {{by: NAME, reason: WHY, date: YYYY-MM-DD}} "
                         "to the source (docs/sources.md, 'Terms')"},
    "not_scheduled": {"id": "[yellow]tidak dijadwalkan[/] {name}: {reason}",
                      "en": "[yellow]not scheduled[/] {name}: {reason}"},
    "audit_unavailable": {"id": "audit ekspor (tabel export_audit, migrasi 0007) tidak ada atau "
                                "pengguna database ini tidak boleh menambah barisnya",
                          "en": "the export audit (table export_audit, migration 0007) is "
                                "missing or this database user may not append to it"},
    "audit_hint": {"id": "jalankan `pantau db migrate`; login tersendiri perlu hak INSERT pada "
                         "export_audit (docs/analysts.md)",
                   "en": "run `pantau db migrate`; a login of its own needs INSERT on "
                         "export_audit (docs/analysts.md)"},
    "running": {"id": "berjalan", "en": "running"},
    "stopped": {"id": "berhenti", "en": "stopped"},
    "services_stopped": {"id": "layanan tertanam di {state} dihentikan",
                         "en": "embedded services in {state} stopped"},
    # table headings shared by several commands
    "col_region": {"id": "wilayah", "en": "region"},
    "col_source": {"id": "sumber", "en": "source"},
    "col_kind": {"id": "jenis", "en": "kind"},
    "col_engine": {"id": "mesin", "en": "engine"},
    "col_url": {"id": "url", "en": "url"},
    "col_authors": {"id": "penulis", "en": "authors"},
    "col_author": {"id": "penulis", "en": "author"},
    "col_rule": {"id": "aturan", "en": "rule"},
    "col_zone": {"id": "zona", "en": "zone"},
    "col_next_runs": {"id": "jadwal berikut", "en": "next runs"},
    "col_window": {"id": "jendela", "en": "window"},
    "col_last_fired": {"id": "terakhir dikirim", "en": "last fired"},
    "col_last_skipped": {"id": "terakhir dilewati", "en": "last skipped"},
    "col_health": {"id": "kesehatan", "en": "health"},
    "col_last_run": {"id": "run terakhir", "en": "last run"},
    "col_last_success": {"id": "terakhir berhasil", "en": "last success"},
    "col_failures": {"id": "gagal", "en": "failures"},
    "col_active": {"id": "aktif", "en": "active"},
    "col_last_error": {"id": "galat terakhir", "en": "last error"},
    "col_run": {"id": "run", "en": "run"},
    "col_status": {"id": "status", "en": "status"},
    "col_pages": {"id": "halaman", "en": "pages"},
    "col_posts": {"id": "unggahan", "en": "posts"},
    "col_new": {"id": "baru", "en": "new"},
    "col_edited": {"id": "diubah", "en": "edited"},
    "col_deleted": {"id": "dihapus", "en": "deleted"},
    "col_errors": {"id": "galat", "en": "errors"},
    "col_started": {"id": "mulai", "en": "started"},
    "col_took": {"id": "lama", "en": "took"},
    "col_reason": {"id": "alasan", "en": "reason"},
    "col_id": {"id": "id", "en": "id"},
    "col_published": {"id": "terbit", "en": "published"},
    "col_quotes": {"id": "kutipan", "en": "quotes"},
    "col_text": {"id": "teks", "en": "text"},
    "col_subject": {"id": "subjek", "en": "subject"},
    "col_outcome": {"id": "hasil", "en": "outcome"},
    "col_target": {"id": "tujuan", "en": "target"},
    "col_message_or_error": {"id": "pesan atau galat", "en": "message or error"},
    "col_error_or_message": {"id": "galat atau pesan", "en": "error or message"},
    "col_time": {"id": "waktu", "en": "time"},
    "col_tries": {"id": "percobaan", "en": "tries"},
    "col_task": {"id": "tugas", "en": "task"},
    "col_queue": {"id": "antrean", "en": "queue"},
    "col_every": {"id": "setiap", "en": "every"},
    # pantau crawl
    "not_url": {"id": "bukan alamat web: {url}", "en": "not a web address: {url}"},
    "not_url_hint": {"id": "pakai URL http:// atau https://",
                     "en": "use http:// or https:// URLs"},
    "url_options_only": {"id": "--region dan --engine hanya untuk target URL",
                         "en": "--region and --engine apply to URL targets only"},
    "url_options_only_hint": {"id": "ubah keduanya untuk {target!r} di berkas sumber",
                              "en": "change them for {target!r} in the sources file"},
    "no_sources_file": {"id": "{target!r} bukan URL dan tidak ada berkas sumber",
                        "en": "{target!r} is not a URL and no sources file is configured"},
    "source_disabled": {"id": "sumber {target!r} dinonaktifkan di {path}",
                        "en": "source {target!r} is disabled in {path}"},
    "source_disabled_hint": {"id": "atur 'enabled: true' di sana",
                             "en": "set 'enabled: true' there"},
    "region_not_in_file": {
        "id": "[yellow]wilayah {region} tidak ada di {path}: crawl tanpa daftar pantau[/]",
        "en": "[yellow]region {region} is not in {path}: crawling without watchlists[/]"},
    "adhoc_watchlists": {"id": "daftar pantau wilayah {region}: {names}",
                         "en": "watchlists of region {region}: {names}"},
    "detect_hint": {"id": "sebut dengan --engine, atau gambarkan forumnya dengan selectors di "
                          "berkas sumber (docs/sources.md)",
                    "en": "name it with --engine, or describe the forum with selectors in a "
                          "sources file (docs/sources.md)"},
    "detected_engine": {"id": "mesin terdeteksi: [bold]{engine}[/] ({reason})",
                        "en": "detected engine [bold]{engine}[/] ({reason})"},
    "enqueue_failed": {"id": "crawl tidak bisa dimasukkan ke antrean: {error}",
                       "en": "could not enqueue the crawl: {error}"},
    "crawl_queued": {"id": "crawl [bold]{source}[/] masuk antrean {queue} sebagai run {run}",
                     "en": "crawl of [bold]{source}[/] queued on {queue} as run {run}"},
    "no_worker": {"id": "[yellow]tidak ada worker yang melayani {queue} saat ini[/]: "
                        "jalankan satu dengan `{command}`",
                  "en": "[yellow]no worker is serving {queue} right now[/]: start one with "
                        "`{command}`"},
    "contact_hint": {"id": "tulis kontak kantor Anda (alamat web atau e-mail) di "
                           "PANTAU_USER_AGENT, mis. {example}",
                     "en": "put your office's contact (a web address or an e-mail) in "
                           "PANTAU_USER_AGENT, e.g. {example}"},
    "waiting_for_worker": {"id": "menunggu worker", "en": "waiting for a worker"},
    "crawling": {"id": "merayapi", "en": "crawling"},
    "starting": {"id": "memulai", "en": "starting"},
    "shards_done": {"id": "{done}/{total} shard", "en": "{done}/{total} shards"},
    "progress_counts": {"id": "{pages} halaman · {items} unggahan · {errors} galat",
                        "en": "{pages} pages · {items} posts · {errors} errors"},
    "run_summary": {
        "id": "run {run} [{colour}]{status}[/]: {pages} halaman, {new} baru, {edited} diubah, "
              "{unchanged} tetap, {deleted} dihapus, {errors} galat",
        "en": "run {run} [{colour}]{status}[/]: {pages} pages, {new} new, {edited} edited, "
              "{unchanged} unchanged, {deleted} deleted, {errors} errors"},
    "run_reason": {"id": "alasan: {reason}", "en": "reason: {reason}"},
    # pantau worker
    "no_chromium": {"id": "--browser: tidak ada Chromium yang bisa dijalankan di {path}",
                    "en": "--browser: no Chromium executable at {path}"},
    "chromium_hint": {"id": "pasang Chromium (paket Debian `chromium`) atau arahkan "
                            "PANTAU_CHROMIUM_PATH ke programnya",
                      "en": "install Chromium (Debian package `chromium`) or point "
                            "PANTAU_CHROMIUM_PATH at its executable"},
    # pantau enrich, pantau purge-raw
    "no_enrich_tables": {"id": "database belum punya tabel pengayaan",
                         "en": "the database has no enrichment tables yet"},
    "enriching": {"id": "memperkaya", "en": "enriching"},
    "enrich_busy": {"id": "`pantau enrich` lain sedang berjalan di database ini",
                    "en": "another `pantau enrich` is running on this database"},
    "enrich_busy_hint": {"id": "tunggu sampai selesai, lalu jalankan lagi",
                         "en": "wait for it to finish, then run this again"},
    "enrich_no_config": {"id": "[yellow]tanpa PANTAU_CONFIG: unggahan diperkaya tanpa daftar "
                               "pantau[/]",
                         "en": "[yellow]no PANTAU_CONFIG: posts were enriched without "
                               "watchlists[/]"},
    "enrich_done": {
        "id": "{posts} unggahan diperkaya, {flagged} bertanda daftar pantau, {signatures} teks "
              "dibandingkan, {clusters} klaster duplikat berubah",
        "en": "{posts} posts enriched, {flagged} flagged by watchlists, {signatures} texts "
              "compared, {clusters} near-duplicate clusters changed"},
    "purge_kept": {"id": "PANTAU_RAW_RETENTION_DAYS bernilai 0: markup mentah disimpan "
                         "selamanya",
                   "en": "PANTAU_RAW_RETENTION_DAYS is 0: raw markup is kept forever"},
    "purge_busy": {"id": "penghapusan markup mentah lain sedang berjalan di database ini",
                   "en": "another raw purge is running on this database"},
    "purge_done": {"id": "markup mentah dihapus dari {posts} unggahan yang pertama terlihat "
                         "sebelum {before} UTC",
                   "en": "raw markup removed from {posts} posts first seen before {before} UTC"},
    # pantau beat, pantau schedule
    "no_schedule_file": {"id": "tidak ada berkas sumber untuk dijadwalkan",
                         "en": "no sources file to schedule from"},
    "beat_started": {"id": "beat: {count} sumber terjadwal di {path} dan {maintenance} tugas "
                           "perawatan; berkas yang berubah atau SIGHUP memuat ulang jadwal",
                     "en": "beat: {count} scheduled sources in {path} and {maintenance} "
                           "maintenance tasks; a changed file or SIGHUP reloads it"},
    "sync_added": {"id": "ditambah: {names}", "en": "added: {names}"},
    "sync_changed": {"id": "diubah: {names}", "en": "changed: {names}"},
    "sync_removed": {"id": "dihapus: {names}", "en": "removed: {names}"},
    "sync_summary": {"id": "{added} ditambah, {changed} diubah, {removed} dihapus, "
                           "{unchanged} tetap",
                     "en": "{added} added, {changed} changed, {removed} removed, "
                           "{unchanged} unchanged"},
    "synced": {"id": "[green]disinkronkan[/] {path}: {summary}",
               "en": "[green]synced[/] {path}: {summary}"},
    "redis_state_not_shown": {"id": "[yellow]keadaan di Redis tidak ditampilkan[/]: {error}",
                              "en": "[yellow]Redis state not shown[/]: {error}"},
    "schedule_title": {"id": "{path} pada {moment} UTC", "en": "{path} at {moment} UTC"},
    "rule_with_windows": {"id": "{rule}; jendela {names}", "en": "{rule}; window {names}"},
    "window_until": {"id": "{window} sampai {until}", "en": "{window} until {until}"},
    "times": {"id": "{count}x", "en": "{count}x"},
    "run_running": {"id": "(run {run} berjalan)", "en": "(run {run} running)"},
    "no_redis_state": {"id": "[dim]Redis tidak terjangkau: kapan terakhir dikirim/dilewati "
                             "tidak ditampilkan[/]",
                       "en": "[dim]no Redis reachable: last fired/skipped not shown[/]"},
    "maintenance_title": {"id": "tugas perawatan (antrean {queue})",
                          "en": "maintenance tasks (queue {queue})"},
    "maintenance_off": {"id": "mati", "en": "off"},
    "every_seconds": {"id": "setiap {seconds} detik", "en": "every {seconds} s"},
    # pantau status
    "never": {"id": "tidak pernah", "en": "never"},
    "ago": {"id": "{amount} lalu", "en": "{amount} ago"},
    "health_title": {"id": "kesehatan sumber", "en": "source health"},
    "runs_title": {"id": "wilayah {region}: run terakhir", "en": "region {region}: recent runs"},
    "no_runs": {"id": "belum ada run crawl: mulai satu dengan `pantau crawl`",
                "en": "no crawl runs yet: start one with `pantau crawl`"},
    "no_runs_filtered": {"id": "belum ada run crawl yang cocok dengan filter ini: mulai satu "
                               "dengan `pantau crawl`",
                         "en": "no crawl runs matching these filters yet: start one with "
                               "`pantau crawl`"},
    # single pages: crawler/cli/fetch.py, pantau extract
    "cannot_resolve": {"id": "alamat {host} tidak bisa ditemukan: {error}",
                       "en": "cannot resolve {host}: {error}"},
    "check_address": {"id": "periksa alamatnya", "en": "check the address"},
    "ssrf_hint": {"id": "lihat docs/operations.md, 'The SSRF guard'",
                  "en": "see docs/operations.md, 'The SSRF guard'"},
    "http_error": {"id": "{url} menjawab HTTP {code} {reason}",
                   "en": "{url} answered HTTP {code} {reason}"},
    "http_error_hint": {"id": "periksa alamatnya; halaman tersimpan bisa diberikan sebagai "
                              "berkas",
                        "en": "check the address; saved pages can be given as a file"},
    "cannot_fetch": {"id": "tidak bisa mengambil {url}: {reason}",
                     "en": "cannot fetch {url}: {reason}"},
    "cannot_fetch_hint": {"id": "apakah situsnya hidup, dan proxy (PANTAU_HTTPS_PROXY) benar?",
                          "en": "is the site up, and the proxy (PANTAU_HTTPS_PROXY) right?"},
    "too_large": {"id": "{url} lebih besar dari {mb} MB", "en": "{url} is larger than {mb} MB"},
    "cannot_read": {"id": "tidak bisa membaca {path}: {reason}",
                    "en": "cannot read {path}: {reason}"},
    "cannot_read_hint": {"id": "beri halaman tersimpan (berkas) atau alamat http(s)://",
                         "en": "give a saved page (file) or an http(s):// address"},
    "selectors_hint": {"id": "lihat docs/sources.md, 'No-code forums'",
                       "en": "see docs/sources.md, 'No-code forums'"},
    "engine_hint": {"id": "sebut mesinnya dengan --engine, atau pakai --selectors",
                    "en": "name the engine with --engine, or use --selectors"},
    "unparsable_hint": {"id": "benarkah halaman ini dibuat mesin itu? coba --engine atau "
                              "--selectors",
                        "en": "is this page really made by that engine? try --engine or "
                              "--selectors"},
    "extract_engine": {"id": "mesin: [bold]{engine}[/] ({reason}); halaman: {kind}",
                       "en": "engine: [bold]{engine}[/] ({reason}); page: {kind}"},
    "extract_thread": {"id": "utas {id}: {title} (di {container})",
                       "en": "thread {id}: {title} (in {container})"},
    "extract_counts": {"id": "{posts} unggahan, {boards} papan, {threads} utas; halaman "
                             "berikut: {next}",
                       "en": "{posts} posts, {boards} boards, {threads} threads; next page: "
                             "{next}"},
    "extract_board": {"id": "  papan  {board}", "en": "  board  {board}"},
    "extract_thread_link": {"id": "  utas   {url}  [{signature}]",
                            "en": "  thread {url}  [{signature}]"},
    "bad_kind": {"id": "--kind {kind!r}: pakai salah satu dari {kinds}",
                 "en": "--kind {kind!r}: use one of {kinds}"},
    "no_article": {"id": "tidak ada teks artikel di {url}", "en": "no article text on {url}"},
    "no_article_hint": {"id": "apakah ini halaman artikel? coba halaman artikelnya, bukan "
                              "daftarnya",
                        "en": "is it an article page? try the page itself, not a list"},
    "listing_hint": {"id": "apakah berkasnya lengkap? berkas gzip: buka dulu",
                     "en": "is the file complete? gzip files: unpack them first"},
    "extract_kind": {"id": "jenis: [bold]{kind}[/]", "en": "kind: [bold]{kind}[/]"},
    "article_counts": {"id": "{chars} karakter, {links} tautan, {comments} komentar",
                       "en": "{chars} characters, {links} links, {comments} comments"},
    "article_comment": {"id": "  komentar {id} (membalas {parent}) {author}: {text}",
                        "en": "  comment {id} (reply to {parent}) {author}: {text}"},
    "listing_entries": {"id": "{count} entri", "en": "{count} entries"},
    "listing_urls": {"id": "{count} URL", "en": "{count} URLs"},
    # pantau flower, pantau metrics, pantau alerts
    "flower_auth": {"id": "wajib basic auth", "en": "basic auth required"},
    "flower_local": {"id": "tanpa kata sandi: hanya mesin ini",
                     "en": "no password: this machine only"},
    "flower_every_interface": {"id": "port {port} di setiap antarmuka",
                               "en": "port {port} of every interface"},
    "flower_on": {"id": "Flower di {where} ({guard}; juga /metrics)",
                  "en": "Flower on {where} ({guard}; /metrics too)"},
    "metrics_auth_hint": {"id": "atur PANTAU_METRICS_BASIC_AUTH=user:sandi (Prometheus "
                                "mengirimnya sebagai basic_auth), atau dengarkan di 127.0.0.1",
                          "en": "set PANTAU_METRICS_BASIC_AUTH=user:password (Prometheus sends "
                                "it as basic_auth), or listen on 127.0.0.1"},
    "port_in_use": {"id": "{host}:{port} sudah dipakai", "en": "{host}:{port} is already in use"},
    "port_in_use_hint": {"id": "pilih yang lain dengan --port atau PANTAU_METRICS_PORT",
                         "en": "choose another with --port or PANTAU_METRICS_PORT"},
    "cannot_listen": {"id": "tidak bisa mendengarkan di {host}:{port}: {reason}",
                      "en": "cannot listen on {host}:{port}: {reason}"},
    "cannot_listen_hint": {"id": "periksa --host (PANTAU_METRICS_HOST)",
                           "en": "check --host (PANTAU_METRICS_HOST)"},
    "serving_metrics": {"id": "metrik di {url}{auth}; Ctrl-C menghentikan",
                        "en": "serving metrics on {url}{auth}; Ctrl-C stops"},
    "with_basic_auth": {"id": " (basic auth)", "en": " (basic auth)"},
    "no_monitoring_tables": {"id": "database belum punya tabel metrik dan peringatan",
                             "en": "the database has no metrics and alerts tables yet"},
    "alerts_skipped": {"id": "dilewati: {reason}", "en": "skipped: {reason}"},
    "no_alert_fires": {"id": "[green]ok[/]: tidak ada peringatan",
                       "en": "[green]ok[/]: no alert fires"},
    "alerts_title": {"id": "peringatan", "en": "alerts"},
    "alerts_failed": {"id": "{count} peringatan tidak terkirim: {error}",
                      "en": "{count} alert(s) could not be delivered: {error}"},
    "alerts_failed_hint": {"id": "dicoba lagi pada pemeriksaan berikut; lihat "
                                 "`pantau alerts history`",
                           "en": "they are tried again at the next check; see `pantau alerts "
                                 "history`"},
    "no_webhook": {"id": "belum ada webhook peringatan, jadi peringatan hanya dicatat di log",
                   "en": "no alert webhook is configured, so alerts are only logged"},
    "no_webhook_hint": {"id": "atur PANTAU_ALERT_WEBHOOK_URL (atau alerts: webhook_url "
                              "sebuah wilayah)",
                        "en": "set PANTAU_ALERT_WEBHOOK_URL (or a region's alerts: "
                              "webhook_url)"},
    "test_alert_failed": {"id": "peringatan uji tidak terkirim: {error}",
                          "en": "test alert not delivered: {error}"},
    "test_alert_failed_hint": {"id": "periksa pengaturan webhook (docs/operations.md, 'Alerts "
                                     "by webhook')",
                               "en": "check the webhook settings (docs/operations.md, 'Alerts "
                                     "by webhook')"},
    "test_alert_sent": {"id": "[green]terkirim[/] ke {target} setelah {attempts} percobaan",
                        "en": "[green]sent[/] to {target} after {attempts} attempt(s)"},
    "no_alerts_yet": {"id": "belum ada peringatan tercatat", "en": "no alerts recorded yet"},
    # pantau access (crawler/cli/access.py; refusals of crawler/storage/access.py)
    "access_no_tables": {"id": "database belum punya tabel akses (migrasi 0007)",
                         "en": "the database has no access tables yet (migration 0007)"},
    "access_granted": {"id": "{role}: wilayah {region} diberikan",
                       "en": "{role}: region {region} granted"},
    "access_already_granted": {"id": "{role}: wilayah {region} sudah diberikan",
                               "en": "{role}: region {region} already granted"},
    "access_group_role": {"id": "[dim]{role} tidak bisa login sendiri: anggotanya membaca "
                                "apa yang boleh dibacanya[/]",
                          "en": "[dim]{role} cannot log in itself: its members read what it "
                                "may[/]"},
    "access_no_role": {"id": "tidak ada role bernama {role!r} di server ini",
                       "en": "no role named {role!r} on this server"},
    "access_no_role_hint": {"id": "DBA membuatnya dulu: CREATE ROLE {role} LOGIN PASSWORD "
                                  "'...'; (docs/operations.md, 'Office logins')",
                            "en": "a DBA creates it first: CREATE ROLE {role} LOGIN PASSWORD "
                                  "'...'; (docs/operations.md, 'Office logins')"},
    "access_superuser": {"id": "role {role!r} adalah superuser: row-level security tidak "
                               "berlaku baginya, ia akan membaca setiap wilayah",
                         "en": "role {role!r} is a superuser: row-level security does not "
                               "apply to it, it would read every region"},
    "access_bypassrls": {"id": "role {role!r} punya BYPASSRLS: row-level security tidak "
                               "berlaku baginya, ia akan membaca setiap wilayah",
                         "en": "role {role!r} has BYPASSRLS: row-level security does not "
                               "apply to it, it would read every region"},
    "access_owner": {"id": "role {role!r} memiliki tabel pantau: row-level security tidak "
                           "berlaku baginya, ia akan membaca setiap wilayah",
                     "en": "role {role!r} owns pantau's tables: row-level security does not "
                           "apply to it, it would read every region"},
    "access_bypass_hint": {"id": "beri kantor itu login tersendiri tanpa hak tersebut",
                           "en": "give the office a login of its own without those rights"},
    "access_no_office": {"id": "role grup {office} tidak ada",
                         "en": "the group role {office} does not exist"},
    "access_no_office_hint": {"id": "DBA menjalankan: CREATE ROLE {office} NOLOGIN; GRANT "
                                    "pantau_analyst TO {office}; (docs/operations.md)",
                              "en": "a DBA runs: CREATE ROLE {office} NOLOGIN; GRANT "
                                    "pantau_analyst TO {office}; (docs/operations.md)"},
    "access_may_not_grant": {"id": "{user} tidak boleh memberikan {office}",
                             "en": "{user} may not grant {office}"},
    "access_may_not_grant_hint": {"id": "DBA menjalankan: GRANT {office} TO {role}; lalu "
                                        "ulangi perintah ini",
                                  "en": "a DBA runs: GRANT {office} TO {role}; then repeat "
                                        "this command"},
    "access_revoke_what": {"id": "beri --region KODE (boleh berulang) atau --all",
                           "en": "give --region CODE (repeatable) or --all"},
    "access_nothing_to_revoke": {"id": "{role}: tidak ada yang dicabut",
                                 "en": "{role}: nothing to revoke"},
    "access_revoked": {"id": "{role}: dicabut {regions}", "en": "{role}: revoked {regions}"},
    "access_stays": {"id": "[dim]{role} tetap di {office}: ia hanya membaca wilayah yang masih "
                           "dimilikinya (tidak ada: tidak membaca apa pun). Cabut penyaringan "
                           "dengan REVOKE {office} FROM {role};[/]",
                     "en": "[dim]{role} stays in {office}: it reads only the regions it still "
                           "has (none: nothing). Lift the filter with REVOKE {office} FROM "
                           "{role};[/]"},
    "col_role": {"id": "role", "en": "role"},
    "col_granted_by": {"id": "diberikan oleh", "en": "granted by"},
    "col_granted_at": {"id": "diberikan pada", "en": "granted at"},
    "col_note": {"id": "catatan", "en": "note"},
    "access_note_no_role": {"id": "role tidak ada", "en": "role does not exist"},
    "access_note_not_office": {"id": "bukan anggota {office}: tidak disaring",
                               "en": "not in {office}: not filtered"},
    "access_note_no_region": {"id": "tanpa wilayah: tidak membaca apa pun",
                              "en": "no region: reads nothing"},
    "access_no_offices": {"id": "tidak ada login kantor: setiap analis membaca setiap wilayah",
                          "en": "no office logins: every analyst reads every region"},
    "audit_refused": {"id": "pengguna database ini tidak boleh membaca audit ekspor",
                      "en": "this database user may not read the export audit"},
    "audit_refused_hint": {"id": "jalankan sebagai pengguna pantau sendiri (pemilik tabelnya)",
                           "en": "run it as pantau's own user (the tables' owner)"},
    "col_started_utc": {"id": "mulai (UTC)", "en": "started (UTC)"},
    "col_command": {"id": "perintah", "en": "command"},
    "col_user": {"id": "pengguna", "en": "user"},
    "col_period": {"id": "periode", "en": "period"},
    "col_format": {"id": "format", "en": "format"},
    "col_rows": {"id": "baris", "en": "rows"},
    "col_output": {"id": "keluaran", "en": "output"},
    "audit_period": {"id": "{since} s.d. {until}", "en": "{since} to {until}"},
    # pantau demo
    "demo_forum": {"id": "forum demo: {url} ({posts} unggahan)",
                   "en": "demo forum: {url} ({posts} posts)"},
    "demo_port": {"id": "forum demo tidak bisa dilayani di 127.0.0.1:{port}: {reason}",
                  "en": "cannot serve the demo forum on 127.0.0.1:{port}: {reason}"},
    "demo_port_hint": {"id": "pilih port lain dengan --port",
                       "en": "choose another port with --port"},
    "demo_starting_worker": {"id": "menjalankan worker Celery", "en": "starting a Celery worker"},
    "demo_worker": {"id": "worker pid {pid} (log: {log})", "en": "worker pid {pid} (log: {log})"},
    "demo_title": {"id": "demo pantau", "en": "pantau demo"},
    "demo_deep": {"id": "mendalam: setiap halaman", "en": "deep: every page"},
    "demo_incremental": {"id": "inkremental: hanya yang berubah",
                         "en": "incremental: only what changed"},
    "demo_run": {"id": "run crawl", "en": "crawl run"},
    "demo_run_value": {"id": "{run} ({status}, {kind})", "en": "{run} ({status}, {kind})"},
    "demo_pages": {"id": "halaman diambil", "en": "pages fetched"},
    "demo_on_site": {"id": "unggahan di situs demo", "en": "posts on the demo site"},
    "demo_stored": {"id": "unggahan tersimpan", "en": "posts stored"},
    "demo_stored_value": {"id": "{stored} ({matching} sama dengan di situs)",
                          "en": "{stored} ({matching} identical to the site's)"},
    "demo_this_run": {"id": "run ini", "en": "this run"},
    "demo_this_run_value": {"id": "{new} baru, {edited} diubah, {unchanged} tetap",
                            "en": "{new} new, {edited} edited, {unchanged} unchanged"},
    "demo_threads_skipped": {"id": "utas dilewati", "en": "threads skipped"},
    "demo_threads_skipped_value": {"id": "{count} tidak berubah sejak crawl terakhir",
                                   "en": "{count} unchanged since the last crawl"},
    "demo_elapsed": {"id": "waktu", "en": "elapsed"},
    "demo_elapsed_value": {"id": "{total:.1f} detik seluruhnya, {crawl:.1f} detik merayapi",
                           "en": "{total:.1f} s in all, {crawl:.1f} s crawling"},
    "demo_rate": {"id": "halaman/detik", "en": "pages/s"},
    "demo_ok": {"id": "[green]ok[/]: setiap unggahan forum demo tersimpan, tidak ada yang dua "
                      "kali",
                "en": "[green]ok[/]: every post of the demo forum is stored, none twice"},
    "demo_mismatch": {"id": "[red]tidak cocok[/]: {reason}", "en": "[red]mismatch[/]: {reason}"},
    "demo_differ": {"id": "unggahan tersimpan berbeda", "en": "stored posts differ"},
    "demo_progress": {"id": "halaman · {items} unggahan · {errors} galat",
                      "en": "pages · {items} posts · {errors} errors"},
    "demo_look_further": {
        "id": "\nlihat lebih jauh:\n  {status}\n      run crawl terakhir (ini menjalankan "
              "server tertanam lagi;\n      `pantau services stop` menghentikannya)\n  {psql}"
              "\n  {flower}\n      Flower di http://127.0.0.1:5555: kemajuan tiap crawl yang "
              "berjalan, selama\n      ada worker ({worker})",
        "en": "\nlook further:\n  {status}\n      recent crawl runs (this starts the embedded "
              "servers again;\n      `pantau services stop` stops them)\n  {psql}\n  {flower}"
              "\n      Flower on http://127.0.0.1:5555: each running crawl's progress, while a "
              "worker\n      runs ({worker})"},
}
