"""Word lists the synthetic library draws its names from.

Plain ASCII words dominate, as in most real libraries; the rest cover what a
scanner meets in the wild: accented Latin, CJK, Hangul, Cyrillic, Greek,
right-to-left scripts, emoji and characters that are awkward in paths.
"""

from __future__ import annotations

from typing import Final

ADJECTIVES: Final = (
    "Black", "Blue", "Broken", "Burning", "Cold", "Crimson", "Dark", "Dead", "Distant", "Electric",
    "Empty", "Endless", "Falling", "Fast", "Final", "Frozen", "Golden", "Green", "Hidden", "Hollow",
    "Last", "Lazy", "Little", "Lonely", "Lost", "Loud", "Midnight", "Modern", "Neon", "New",
    "Northern", "Old", "Pale", "Paper", "Perfect", "Quiet", "Red", "Restless", "Secret", "Silent",
    "Silver", "Slow", "Small", "Southern", "Strange", "Sweet", "Velvet", "Wild", "Young", "Wooden",
)  # fmt: skip

NOUNS: Final = (
    "Angels", "Arrows", "Bells", "Birds", "Bridges", "Cars", "Cities", "Clouds", "Coast", "Crows",
    "Days", "Dreams", "Echoes", "Engines", "Fields", "Fire", "Flowers", "Ghosts", "Girls", "Harbor",
    "Hearts", "Highway", "Horses", "Island", "Kids", "Kings", "Lights", "Lines", "Machines", "Mirrors",
    "Monsters", "Moon", "Mountains", "Nights", "Ocean", "Pilots", "Radio", "Rain", "Rivers", "Roads",
    "Rooms", "Sailors", "Shadows", "Sisters", "Sparks", "Stars", "Stones", "Summer", "Tigers", "Trains",
    "Valley", "Waves", "Wires", "Wolves", "Years",
)  # fmt: skip

WORDS: Final = (
    "a", "after", "again", "all", "alone", "always", "away", "back", "before", "believe", "between",
    "call", "come", "dance", "down", "every", "feel", "forever", "from", "give", "go", "goodbye",
    "heart", "here", "home", "in", "into", "is", "it", "know", "let", "life", "light", "like", "little",
    "love", "me", "mind", "more", "my", "never", "night", "no", "now", "of", "on", "one", "out",
    "over", "run", "say", "see", "so", "song", "stay", "still", "take", "the", "this", "through",
    "time", "tonight", "under", "up", "wait", "way", "we", "what", "when", "where", "with", "world",
    "you", "your",
)  # fmt: skip

FIRST_NAMES: Final = (
    "Ada", "Alice", "Amir", "Anna", "Ben", "Carlos", "Chloe", "Daniel", "David", "Elena", "Emma",
    "Felix", "Frank", "Grace", "Hannah", "Ivan", "Jack", "James", "Julia", "Kate", "Leo", "Lucy",
    "Marcus", "Maria", "Max", "Mia", "Nina", "Noah", "Olivia", "Oscar", "Paul", "Rosa", "Sam", "Sara",
    "Tom", "Victor", "Yuki", "Zoe",
)  # fmt: skip

LAST_NAMES: Final = (
    "Adams", "Baker", "Brown", "Carter", "Cohen", "Davis", "Evans", "Fischer", "Garcia", "Gray",
    "Hall", "Hughes", "Jones", "Kim", "King", "Lee", "Lopez", "Martin", "Miller", "Moore", "Nakamura",
    "Nelson", "Novak", "Parker", "Price", "Reed", "Rossi", "Scott", "Silva", "Smith", "Taylor",
    "Turner", "Walker", "White", "Wood", "Young",
)  # fmt: skip

#: Non-ASCII words, mixed into names at a lower rate.
UNICODE_WORDS: Final = (
    # accented Latin
    "Café", "Noël", "Mañana", "Über", "Señorita", "Ævintýri", "Łódź", "Škoda", "Déjà", "Vu", "Fête",
    "Crème", "Øresund", "Smörgåsbord", "Ça", "Garçon", "Niño", "Straße", "Björk", "Mötley", "Sigur",
    "Rós", "Hüsker", "Dü", "Bon", "Iver", "Ólafur", "Mélodie", "Açaí", "Jürgen", "Zoë", "Beyoncé",
    # CJK and Hangul
    "東京", "夜明け", "さくら", "心", "光", "夢", "花火", "月", "北京", "愛", "音楽", "青い", "星",
    "사랑", "하늘", "바다", "노래",
    # Cyrillic, Greek, Hebrew, Arabic
    "Кино", "Звезда", "Группа", "Крови", "Лето", "Ночь", "Солнце", "Москва", "Ουρανός",
    "Θάλασσα", "שלום", "حب", "ليل",
)  # fmt: skip

EMOJI: Final = ("🌙", "🔥", "🎸", "✨", "💔", "🌊", "🎧", "🌈")

GENRES: Final = (
    "Rock", "Pop", "Electronic", "Jazz", "Classical", "Hip-Hop", "Folk", "Metal", "Indie Rock",
    "Ambient", "Soul", "Reggae", "Blues", "Country", "Punk", "Techno", "House", "Soundtrack",
    "Singer-Songwriter", "Post-Rock", "J-Pop", "K-Pop", "Música Popular Brasileira", "Chanson",
    "Шансон", "Drum & Bass", "R&B", "World",
)  # fmt: skip

LABELS: Final = (
    "Sub Pop", "Warp Records", "4AD", "Domino", "Matador", "Rough Trade", "XL Recordings", "Merge",
    "Ninja Tune", "ECM Records", "Deutsche Grammophon", "Blue Note", "Columbia", "Island Records",
    "Because Music", "Avex Trax", "Мелодия", "Self-released",
)  # fmt: skip

ALBUM_SUFFIXES: Final = (
    " (Deluxe Edition)", " (Remastered)", " (Live)", ", Vol. 2", " [Bonus Tracks]", " (Expanded)",
    " EP", " (Original Motion Picture Soundtrack)",
)  # fmt: skip

TITLE_SUFFIXES: Final = (
    " (Remastered 2011)", " (Live)", " (Radio Edit)", " (Acoustic)", " - Demo", " (Extended Mix)",
    ", Pt. 2", " (Interlude)",
)  # fmt: skip

#: Names that are hard on path handling: separators, quoting, shell-looking text.
ODD_NAMES: Final = (
    "AC/DC Tribute", "$HOME Sweet $HOME", "~user", "100% Pure", "Semi;Colon", "Question?",
    "Star*Gazer", "Back\\slash", 'Say "Hello"', "It's <Fine>", "Pipe | Dream", "[Bracketed] {Braces}",
    "  Leading Spaces", "Trailing Dots...", "#hashtag", "C:Drive",
)  # fmt: skip

LYRICS_LINES: Final = (
    "I walked along the empty road", "the night was cold and the stars were low",
    "you said we'd never see the morning light", "and every song I sing is for you",
    "夜明けの空に 光が見える", "Я помню этот летний день", "On danse encore sous la pluie",
    "hold on, hold on", "la la la", "we were young and the world was wide",
)  # fmt: skip
