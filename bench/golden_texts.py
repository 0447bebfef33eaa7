"""Hand-written texts for the quality golden file (bench/golden_quality.py) and its parity test.

Written for curate; each exercises one heuristic. Plain ASCII punctuation and no contractions or
hyphenated words in most of them, so that whitespace words and spaCy tokens agree where the
definitions do (the texts marked otherwise show the intentional differences).
"""

PROSE = (
    "The city council met on Monday evening to discuss the new budget for the coming year. "
    "Members of the public were invited to speak, and many of them raised questions about the "
    "plans for schools and roads. The mayor said that the council would have to make difficult "
    "choices, but she promised that every decision would be explained with care. After three "
    "hours of debate, the members agreed to meet again next week to vote on the final plan."
)

GOLDEN_TEXTS: dict[str, str] = {
    "prose": PROSE,
    "prose_paragraphs": PROSE.replace(". ", ".\n\n", 3),
    "short": "Page not found. Go back to the home page.",
    "hashtags": "Summer vibes with the best friends #summer #beach #sun #fun #friends #love "
    "#happy #travel #photo #instagood and that is all for today",
    "teasers": "Ten tips for a better garden...\nWhy the market fell again today...\n"
    "How to cook rice in ten minutes...\nThe best films of the year so far...\n"
    "Read the full story on our site.",
    "bullets": "- Fast delivery to the whole country\n- Free returns within thirty days\n"
    "- Secure payment with every major card\n- Support by phone and email\n"
    "- Gift wrapping on request",
    "numbers": "2021 2022 2023 2024\n12 15 18 21\n3 5 8 13\n100 200 300 400\ntotal sales by year",
    "keywords": "cheap shoes online discount sneakers sale running boots sandals heels leather "
    "trainers outlet store best price free shipping",
    "long_words": "https://example.com/a/very/long/path/to/some/resource/index.html "
    "aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQgZW5jb2RlZCB0ZXh0 "
    "ThisIsAVeryLongIdentifierNameThatGoesOnAndOn",
    "menu": "Home\nNews\nSport\nWeather\nBusiness\nCulture\nTravel\nContact us\n"
    "The weather today will be sunny in the north and rainy in the south of the country.",
    "dup_lines": "Add to cart\nA warm wool sweater for the winter months, made by hand.\n"
    "Add to cart\nA pair of leather gloves that will keep your hands warm.\n"
    "Add to cart\nA long scarf in red and blue with a simple pattern.",
    "list_like": "apples\npears\nplums\ncherries\ngrapes\nlemons\nlimes\noranges\npeaches\nfigs",
    "c4_mixed": "Please enable JavaScript to view this page.\nLorem ipsum dolor sit amet, "
    "consectetur adipiscing elit.\nThe function returns { value: 1 } when done.",
    "no_punct": "the old man and the sea is a short novel by an american writer about an old "
    "fisherman who fights with a giant fish far out in the gulf stream",
    "indonesian": "Pemerintah kota akan membangun jalan baru di pusat kota pada tahun depan. "
    "Menurut wali kota, proyek ini sudah direncanakan sejak lama dan akan selesai "
    "dalam dua tahun. Warga yang tinggal di sekitar lokasi berharap pembangunan "
    "tersebut tidak mengganggu kegiatan mereka sehari hari.",
    "contractions": "It's a well-known fact that we don't know what we'd do without the "
    "U.S. economy; it isn't easy to say.",
    "trailing_space": "First line ends here.   \nSecond line also ends.  \nthird line has none",
    "empty": "",
    # 50+ words, so that datatrove's Gopher filter (which stops at the first failing check) gets
    # past its word count and reaches the later checks
    "prose_long": PROSE + " " + PROSE,
    "hashtags_long": PROSE + " #news #city #budget #council #mayor #vote #schools #roads #week "
    "#plan #public #money",
    "bullets_long": "\n".join(
        f"- Item number {n} in the list of things we sell here" for n in range(12)
    ),
    "keywords_long": " ".join(
        [
            "cheap shoes online discount sneakers sale running boots sandals "
            "heels leather trainers outlet store best price"
        ]
        * 5
    ),
    "teasers_long": PROSE
    + "\n"
    + "\n".join(f"Story {n} about the city council budget vote..." for n in range(6)),
}
