"""Writes sample.jsonl: the bundled sample corpus, written by the curate developers.

Every sentence below was written for this file. Documents are assembled from these paragraphs with
a fixed seed, then given the problems curate looks for: page boilerplate, a body pasted twice,
a repeated paragraph, text cut mid-sentence, a "read more" tail, a document in another language than
its `lang` column says, and some clean documents. Run it again to regenerate the same file:

    python curate/data/make_sample.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

PARAGRAPHS = {
    "en": [
        "The city council approved a plan on Tuesday to replace the old footbridge over the river. Work is expected to start in the spring and to last about eight months.",
        "Residents who use the bridge every day said they were relieved. Several of them had written to the council after a railing came loose during a storm last winter.",
        "The new bridge will be wider, so that cyclists and people on foot no longer have to squeeze past each other. It will also have lights along its whole length.",
        "A local bakery has started selling bread made from grain grown within twenty kilometres of the shop. The owner says customers noticed the difference within a week.",
        "Farmers in the valley welcomed the idea, because it gives them a buyer close to home. Two of them now deliver flour to the bakery every Monday morning.",
        "The school library will stay open until eight in the evening during the exam period. Teachers hope that students without a quiet room at home will use it.",
        "Volunteers planted more than three hundred trees along the northern road last weekend. The trees were chosen because they cope well with dry summers.",
        "The regional museum is showing a collection of old maps that were found in an attic last year. Some of them show roads that no longer exist.",
        "Heavy rain closed two mountain passes overnight, and drivers were asked to take the longer route through the valley. The passes should reopen once the road has been checked.",
        "A group of students built a small weather station on the roof of their school. Its readings are published every hour on a screen in the main hall.",
        "The football club announced that its youth team will play its home games at the new field by the lake. Parents had asked for a ground closer to the town centre.",
        "Night trains between the two largest cities will run again from next month. Tickets go on sale on Friday, and the first trains are already half full.",
    ],
    "id": [
        "Pemerintah kota menyetujui rencana pembangunan jembatan baru di atas sungai pada hari Selasa. Pekerjaan diperkirakan dimulai awal tahun depan dan berlangsung sekitar delapan bulan.",
        "Warga yang setiap hari melewati jembatan itu mengaku lega. Beberapa dari mereka sempat mengirim surat kepada pemerintah setelah pagar jembatan rusak diterjang badai.",
        "Jembatan yang baru akan lebih lebar sehingga pesepeda dan pejalan kaki tidak perlu lagi berdesakan. Lampu juga akan dipasang di sepanjang jembatan.",
        "Sebuah toko roti di pusat kota mulai menjual roti dari gandum yang ditanam petani setempat. Pemiliknya mengatakan pelanggan langsung merasakan perbedaannya.",
        "Para petani di lembah menyambut baik gagasan itu karena mereka mendapat pembeli yang dekat. Dua petani kini mengantar tepung ke toko roti itu setiap Senin pagi.",
        "Perpustakaan sekolah akan tetap buka sampai pukul delapan malam selama masa ujian. Para guru berharap siswa yang tidak punya ruang belajar di rumah dapat memanfaatkannya.",
        "Ratusan relawan menanam lebih dari tiga ratus pohon di sepanjang jalan utara pada akhir pekan lalu. Pohon-pohon itu dipilih karena tahan terhadap musim kemarau.",
        "Museum daerah memamerkan koleksi peta tua yang ditemukan di loteng sebuah rumah tahun lalu. Beberapa peta menunjukkan jalan yang kini sudah tidak ada.",
        "Hujan deras menutup dua jalur pegunungan semalam, dan pengendara diminta melewati jalur lembah yang lebih panjang. Jalur itu akan dibuka kembali setelah diperiksa petugas.",
        "Sekelompok siswa membangun stasiun cuaca kecil di atap sekolah mereka. Hasil pengukurannya ditampilkan setiap jam di layar aula utama.",
        "Klub sepak bola mengumumkan bahwa tim remajanya akan bertanding di lapangan baru dekat danau. Para orang tua sebelumnya meminta lapangan yang lebih dekat ke pusat kota.",
        "Kereta malam antara dua kota terbesar akan kembali beroperasi mulai bulan depan. Tiket dijual mulai Jumat, dan kereta pertama sudah setengah penuh.",
    ],
    "de": [
        "Der Stadtrat hat am Dienstag beschlossen, die alte Fußgängerbrücke über den Fluss zu ersetzen. Die Arbeiten sollen im Frühjahr beginnen und etwa acht Monate dauern.",
        "Eine kleine Bäckerei verkauft seit kurzem Brot aus Getreide, das in der Umgebung angebaut wird. Die Kundschaft habe den Unterschied sofort bemerkt, sagt die Inhaberin.",
        "Die Schulbibliothek bleibt während der Prüfungszeit bis acht Uhr abends geöffnet. Die Lehrer hoffen, dass vor allem Schüler ohne ruhigen Platz zu Hause kommen.",
        "Freiwillige haben am Wochenende mehr als dreihundert Bäume entlang der nördlichen Straße gepflanzt. Die Bäume wurden ausgewählt, weil sie trockene Sommer gut vertragen.",
        "Nachtzüge zwischen den beiden größten Städten fahren ab dem nächsten Monat wieder. Der Vorverkauf beginnt am Freitag.",
    ],
    "fr": [
        "Le conseil municipal a approuvé mardi le remplacement de la vieille passerelle au-dessus de la rivière. Les travaux devraient commencer au printemps et durer environ huit mois.",
        "Une petite boulangerie vend désormais du pain fait avec du blé cultivé à moins de vingt kilomètres. Selon la propriétaire, les clients ont remarqué la différence en une semaine.",
        "La bibliothèque de l'école restera ouverte jusqu'à vingt heures pendant la période des examens. Les enseignants espèrent que les élèves sans endroit calme chez eux en profiteront.",
        "Des bénévoles ont planté plus de trois cents arbres le long de la route du nord le week-end dernier. Ces arbres ont été choisis parce qu'ils supportent bien les étés secs.",
        "Les trains de nuit entre les deux plus grandes villes reprendront le mois prochain. Les billets seront en vente dès vendredi.",
    ],
    "es": [
        "El ayuntamiento aprobó el martes la sustitución de la vieja pasarela sobre el río. Las obras comenzarán en primavera y durarán unos ocho meses.",
        "Una pequeña panadería vende ahora pan hecho con trigo cultivado a menos de veinte kilómetros. La dueña dice que los clientes notaron la diferencia en una semana.",
        "La biblioteca de la escuela abrirá hasta las ocho de la tarde durante los exámenes. Los profesores esperan que la aprovechen los alumnos que no tienen un lugar tranquilo en casa.",
        "Un grupo de voluntarios plantó más de trescientos árboles junto a la carretera del norte el fin de semana pasado. Se eligieron especies que soportan bien los veranos secos.",
        "Los trenes nocturnos entre las dos ciudades más grandes volverán a circular el mes que viene. Las entradas salen a la venta el viernes.",
    ],
    "zh": [
        "市议会周二批准了更换河上旧人行桥的计划。工程预计明年春天开工，持续大约八个月。",
        "一家小面包店开始出售用本地小麦制作的面包。店主说，顾客在一周之内就尝出了不同。",
        "考试期间，学校图书馆将开放到晚上八点。老师们希望家里没有安静学习环境的学生能够利用这里。",
    ],
    "ru": [
        "Городской совет во вторник одобрил план замены старого пешеходного моста через реку. Работы начнутся весной и продлятся около восьми месяцев.",
        "Небольшая пекарня начала продавать хлеб из зерна, выращенного рядом с городом. По словам владелицы, покупатели заметили разницу уже через неделю.",
        "Во время экзаменов школьная библиотека будет открыта до восьми вечера. Учителя надеются, что ею воспользуются ученики, у которых нет тихого места дома.",
    ],
}
# page chrome, as scrapers leave it
WIDGETS = ["A", "A A A", "A+ A-", "+ -"]
CHROME = {
    "en": [
        "Read more: Council meeting dates for next year",
        "Share this article",
        "Tweet",
        "We use cookies to improve your experience. Accept cookies",
        "Copyright © 2024 The Valley Post. All rights reserved.",
        "Subscribe to our newsletter",
        "Advertisement",
        "SCROLL TO CONTINUE WITH CONTENT",
    ],
    "id": [
        "Baca juga: Jadwal rapat dewan kota tahun depan",
        "Bagikan",
        "Baca juga: Harga beras naik lagi",
        "Hak cipta © 2024 Kabar Lembah. Semua hak dilindungi.",
        "Ikuti kami di media sosial",
        "(red)",
    ],
}
TAILS = {"en": "Read more...", "id": "Baca selengkapnya..."}


def sentences(lang: str) -> list[str]:
    """The language's paragraphs cut into sentences (after . or 。 and a space or not)."""
    out = []
    for para in PARAGRAPHS[lang]:
        out += [s for s in re.split(r"(?<=[.。])\s*", para) if s]
    return out


def paragraphs(rng: random.Random, lang: str, k: int) -> list[str]:
    """k paragraphs of two or three sentences drawn without repetition, so that documents share
    sentences now and then, as real news does, but rarely whole paragraphs."""
    pool = sentences(lang)
    picked = rng.sample(pool, min(len(pool), k * 3))
    joiner = "" if lang == "zh" else " "
    out, i = [], 0
    while i < len(picked) and len(out) < k:
        n = rng.choice((2, 3))
        out.append(joiner.join(picked[i : i + n]))
        i += n
    return out


def headline(rng: random.Random, lang: str) -> str:
    """A headline: a sentence's opening words. (A fixed headline reused by many documents is what
    a site template looks like, and boilerplate-lines rightly strips recurring lines.)"""
    words = rng.choice(sentences(lang)).rstrip(".。").split()
    if lang == "zh":
        return words[0][: rng.randint(6, 10)]
    return " ".join(words[: rng.randint(4, 7)])


def cut(text: str, rng: random.Random) -> str:
    """Cut a text mid-sentence (the way a length cap or a paywall does)."""
    pos = rng.randint(len(text) // 2, len(text) - 10)
    space = text.find(" ", pos)
    if 0 < space < len(text) - 10:  # a few letters into the next word
        pos = space + rng.randint(2, 4)
    out = text[:pos].rstrip()
    while out and not out[-1].isalnum():  # never end on punctuation: that would look complete
        out = out[:-1].rstrip()
    return out


def make(seed: int = 20261128) -> list[dict]:
    rng = random.Random(seed)
    docs: list[dict] = []

    def add(lang: str, text: str, problem: str, declared: str | None = None) -> None:
        docs.append(
            {
                "id": f"sample-{len(docs) + 1:03d}",
                "lang": declared or lang,
                "problem": problem,
                "text": text,
            }
        )

    weights = [("en", 70), ("id", 70), ("de", 12), ("fr", 12), ("es", 12), ("zh", 6), ("ru", 6)]
    for lang, n in weights:
        for i in range(n):
            title = headline(rng, lang)
            # few sentences exist in the smaller languages: short documents, or they all overlap
            body = paragraphs(rng, lang, rng.randint(3, 5) if lang in CHROME else 2)
            kind = i % 10 if lang in CHROME else (0, 0, 4, 6)[i % 4]
            sep = "\n" if lang in ("id", "zh", "ru") else "\n\n"
            if kind in (0, 1, 2):  # clean
                add(lang, sep.join([title, *body]), "clean")
            elif kind == 3:  # widgets and chrome around the article
                chrome = rng.sample(CHROME[lang], 3)
                lines = [
                    title,
                    *rng.sample(WIDGETS, 1) * rng.randint(1, 3),
                    *body[:2],
                    chrome[0],
                    *body[2:],
                    chrome[1],
                    chrome[2],
                ]
                add(lang, sep.join(lines), "boilerplate")
            elif kind == 4:  # the whole body pasted twice
                add(lang, sep.join([title, *body, *body]), "pasted-twice")
            elif kind == 5:  # one paragraph repeated
                j = rng.randrange(len(body))
                add(
                    lang,
                    sep.join([title, *body[: j + 1], body[j], *body[j + 1 :]]),
                    "repeated-paragraph",
                )
            elif kind == 6:  # cut mid-sentence
                add(lang, cut(sep.join([title, *body]), rng), "truncated")
            elif kind == 7:  # a "read more" tail
                add(
                    lang,
                    sep.join([title, *body[:2], body[2][:60].rstrip() + " " + TAILS[lang]]),
                    "truncated-tail",
                )
            elif kind == 8:  # everything at once
                chrome = rng.sample(CHROME[lang], 2)
                lines = [title, "A", "A", "A", *body, chrome[0], *body, chrome[1]]
                add(lang, sep.join(lines), "boilerplate+pasted-twice")
            else:  # declared in one language, written in another
                other = "en" if lang == "id" else "id"
                add(
                    lang,
                    sep.join([headline(rng, other), *paragraphs(rng, other, 3)]),
                    "wrong-language",
                    declared=lang,
                )
    add("en", "", "empty")
    add("en", "Thanks.", "very-short")
    return docs


if __name__ == "__main__":
    out = Path(__file__).with_name("sample.jsonl")
    with out.open("w", encoding="utf-8") as f:
        for doc in make():
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
