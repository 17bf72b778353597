"""Word lists of the demo forum: Indonesian with a Kalimantan Tengah flavour."""

from __future__ import annotations

PLACES = (
    "Palangka Raya", "Sampit", "Kotim", "Kobar", "Pangkalan Bun", "Kuala Kapuas",
    "Muara Teweh", "Buntok", "Kasongan", "Tamiang Layang", "Pulang Pisau", "Kuala Kurun",
    "Sukamara", "Nanga Bulik",
)
TOPICS = (
    "pilkada", "debat calon", "DPT", "TPS", "kampanye", "jalan trans Kalimantan", "harga karet",
    "sawit", "banjir", "kabut asap", "jembatan Kahayan", "listrik PLN", "sekolah", "puskesmas",
    "festival Isen Mulang", "tiwah", "rumah betang", "handep", "pasar Kahayan", "sungai Mentaya",
    "bantuan sosial", "Bawaslu", "KPU", "quick count", "surat suara", "relawan",
)
SUBJECTS = (
    "Bagaimana pendapat kalian soal {t} di {p}?", "Info {t} terbaru dari {p}",
    "{t} {p}: ada yang tahu kabarnya?", "Diskusi: {t} menjelang pilkada", "Keluhan {t} di {p}",
    "Tanya: jadwal {t} di {p}", "Update {t} minggu ini", "Ngopi sambil bahas {t}",
)
OPENERS = (
    "Menurut saya", "Kalau dari pengalaman di {p},", "Setahu saya", "Jujur saja,", "Sepakat,",
    "Nah itu dia,", "Kabar dari kawan di {p},", "Maaf ikut nimbrung,", "Bujur banar,",
    "Ulun rasa", "Betul sekali,", "Hmm,",
)
CLAUSES = (
    "{t} di {p} masih jadi masalah", "warga {p} banyak yang belum tahu soal {t}",
    "panitia harus lebih terbuka tentang {t}", "jalan ke {p} rusak parah setelah hujan",
    "harga sembako naik lagi & warga mengeluh", "pemuda {p} aktif ikut diskusi {t}",
    "kita tunggu saja keputusan resmi KPU", "jangan mudah percaya kabar hoaks soal {t}",
    "acara {t} kemarin ramai sekali", "sinyal internet di {p} masih putus-putus",
    "anggaran untuk {t} perlu diawasi bersama", "tokoh adat Dayak ikut memberi nasihat",
    "data pemilih di {p} katanya belum sinkron", "semoga pilkada berjalan damai dan jujur",
    "perahu klotok masih jadi andalan ke {p}", "nilai tukar karet di {p} < tahun lalu",
)
CLOSERS = (
    "Terima kasih infonya.", "Mohon koreksi kalau salah.", "Salam dari {p}.", "Tabe.",
    "Semoga bermanfaat :)", "Ayo saling menjaga kedamaian.", "Bagaimana menurut kalian?",
    "Nanti saya kabari lagi ;)",
)
LINKS = (
    "https://kalteng.go.id/berita/{n}", "https://kpu-kaltengprov.go.id/pengumuman/{n}",
    "https://www.example.org/kalteng/artikel-{n}.html", "https://bawaslu.example.id/laporan?id={n}",
)
SAYINGS = (
    "Isen mulang, pantang mundur sebelum berhasil.",
    "Huma betang: hidup bersama di bawah satu atap, berbeda tapi satu.",
)
USER_NAMES = (
    "admin_kalteng", "budi_palangka", "siti.sampit", "dayak_ngaju", "urang_banjar", "rini_kobar",
    "agus kuala kapuas", "andreas_betang", "nurhayati", "kahayan_watch", "yohanes.muteh",
    "dewi_pangkalanbun", "fajar87", "maria tamiang", "hendra_kotim", "lestari", "rahmat_buntok",
    "teguh.kasongan", "yuni_sukamara", "bambang_pulpis", "intan_kurun", "eko_mentaya",
    "pak_rt_05", "mahasiswa_upr", "ibu_guru_sampit", "relawan_damai",
)
GUEST_NAMES = ("Tamu", "warga sampit", "Anonim_Kobar", "pembaca setia", "urang kuala", "Tamu123")
DAYS = ("Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab")  # Sunday first, as PHP's date('w')
MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
