"""sql/works on the whole shared export (../shared/data): the issue-18 cases land in
work_decisions with a reason, and look-alikes stay apart. Skips without the real files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from bookrec.lists.works import Works, load_works

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real(real_lists_warehouse: Path):
    con = duckdb.connect(str(real_lists_warehouse), read_only=True)
    yield con, load_works(con)
    con.close()


def _book(con, title: str, author: str) -> int:
    rows = con.execute(
        "select book_id from books where title = ? and author = ? "
        "order by num_ratings desc nulls last",
        [title, author],
    ).fetchall()
    assert rows, f"{title} by {author} is not in the shared data"
    return int(rows[0][0])


def _untitled(con, title: str) -> int:
    """The book of the rating files (no author) so titled."""
    (row,) = con.execute(
        "select book_id from books where title = ? and author is null", [title]
    ).fetchall()
    return int(row[0])


def _series(con, works: Works, title: str, author: str) -> str:
    """The series a reader goes through with this book (Works.series_of)."""
    return works.series_of[_book(con, title, author)]


def _titles(con, ids) -> set[str]:
    ids = [int(i) for i in ids]
    return {
        t
        for (t,) in con.execute(
            "select title from books where list_contains(?, book_id)", [ids]
        ).fetchall()
    }


def _blocked(con, works: Works, title: str, author: str) -> set[str]:
    book = _book(con, title, author)
    return _titles(con, works.already_read([book]) - {book})


def test_the_hobbit_blocks_its_adaptations_companions_and_omnibus(real):
    con, works = real
    blocked = _blocked(con, works, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien")
    assert {
        "The Hobbit",  # Chuck Dixon's graphic novel
        "The Hobbit: Graphic Novel",
        "The History of the Hobbit, Part One: Mr. Baggins",
        "J.R.R. Tolkien 4-Book Boxed Set: The Hobbit and The Lord of the Rings",
        "The Lord of the Rings",
    } <= blocked
    assert "The Fellowship of the Ring (The Lord of the Rings, #1)" not in blocked


def test_the_hunger_games_and_harry_potter_block_their_companions(real):
    con, works = real
    games = _blocked(con, works, "The Hunger Games (The Hunger Games, #1)", "Suzanne Collins")
    assert {
        "The World of the Hunger Games (Hunger Games Trilogy)",
        "The Hunger Games Trilogy Boxset (The Hunger Games, #1-3)",
        "The Hunger Games Tribute Guide",
        "The Hunger Games: Official Illustrated Movie Companion",
    } <= games
    assert "Catching Fire (The Hunger Games, #2)" not in games
    potter = _blocked(
        con, works, "Harry Potter and the Sorcerer's Stone (Harry Potter, #1)", "J.K. Rowling"
    )
    assert {
        "Harry, a History: The True Story of a Boy Wizard, His Fans, and Life Inside the Harry "
        "Potter Phenomenon",
        "The Magical Worlds of Harry Potter: A Treasury of Myths, Legends, and Fascinating Facts",
    } <= potter


def test_a_short_book_set_in_a_series_world_is_its_companion(real):
    """Nothing in their titles names Harry Potter: a short book of no series credited to its
    author (Fantastic Beasts first to "Newt Scamander") sharing its names (Dumbledore,
    Hogwarts, Muggles). "The Tales of Beedle the Bard" was #9 for Harry Potter #1 at 5 stars."""
    con, works = real
    for entry in (
        "Harry Potter and the Sorcerer's Stone (Harry Potter, #1)",
        "Harry Potter and the Deathly Hallows (Harry Potter, #7)",
    ):
        blocked = _blocked(con, works, entry, "J.K. Rowling")
        assert {
            "The Tales of Beedle the Bard",
            "Fantastic Beasts and Where to Find Them",
            "Quidditch Through the Ages",
        } <= blocked, entry
    reasons = dict(
        con.execute(
            "select b.title, d.reason from derivative_works d join books b using (book_id) "
            "where b.title = 'Fantastic Beasts and Where to Find Them'"
        ).fetchall()
    )
    assert reasons["Fantastic Beasts and Where to Find Them"].startswith(
        'set in the world of "harry potter (rowling)" by its author (names Albus, Dumbledore'
    )
    # books of their own in a series' world, and novels of one author's one place, stay apart
    lotr = _blocked(
        con, works, "The Fellowship of the Ring (The Lord of the Rings, #1)", "J.R.R. Tolkien"
    )
    assert "The Silmarillion" not in lotr and "The Children of Húrin" not in lotr
    academy = _blocked(con, works, "Vampire Academy (Vampire Academy, #1)", "Richelle Mead")
    assert "Bloodlines (Bloodlines, #1)" not in academy
    in_world = "select count(*) from derivative_works where reason like 'set in the world of %'"
    assert con.execute(in_world).fetchone()[0] < 40  # 28: four books, their series' entries


def test_a_companion_may_name_a_work_without_its_article(real):
    con, works = real
    blocked = _blocked(
        con, works, "A Game of Thrones (A Song of Ice and Fire, #1)", "George R.R. Martin"
    )
    assert (
        "The World of Ice & Fire: The Untold History of Westeros and the Game of Thrones" in blocked
    )
    assert "A Clash of Kings  (A Song of Ice and Fire, #2)" not in blocked


def test_a_companion_of_a_series_first_entry_is_the_series(real):
    """Found in the page's lists of readers cut to 3 books: a reader of "A Clash of Kings" got
    "The World of Ice & Fire" (linked to "A Game of Thrones" only). A derivative of a series'
    first main entry is one of its other main entries too; a short name inside a title is no
    such link ("Trump: The Art of the Deal" names "The Deal", Off-Campus #1)."""
    con, works = real
    clash = _blocked(
        con, works, "A Clash of Kings  (A Song of Ice and Fire, #2)", "George R.R. Martin"
    )
    assert {
        "The World of Ice & Fire: The Untold History of Westeros and the Game of Thrones",
        "A Game of Thrones: The Graphic Novel, Vol. 1",
    } <= clash
    assert "A Game of Thrones (A Song of Ice and Fire, #1)" not in clash
    eclipse = _blocked(con, works, "Eclipse (The Twilight Saga, #3)", "Stephenie Meyer")
    assert "Twilight: The Graphic Novel, Vol. 1 (Twilight: The Graphic Novel, #1)" in eclipse
    mistake = _blocked(con, works, "The Mistake (Off-Campus, #2)", "Elle Kennedy")
    assert "Trump: The Art of the Deal" not in mistake


def test_austen_collections_contain_their_novels(real):
    con, works = real
    blocked = _blocked(con, works, "Persuasion", "Jane Austen")
    assert {"Pride and Prejudice, Mansfield Park, Persuasion", "The Complete Novels"} <= blocked
    pride = _blocked(con, works, "Pride and Prejudice", "Jane Austen")
    assert "Pride and Prejudice and Zombies (Pride and Prejudice and Zombies, #1)" in pride


def test_split_editions_and_series_spellings(real):
    con, works = real
    kings = _book(con, "The Way of Kings (The Stormlight Archive, #1)", "Brandon Sanderson")
    part = _book(con, "The Way of Kings, Part 1 (The Stormlight Archive #1.1)", "Brandon Sanderson")
    assert works.work(part) == works.work(kings)
    children = _book(con, "Children of Dune (Dune Chronicles #3)", "Frank Herbert")
    assert _series(con, works, "Dune (Dune, #1)", "Frank Herbert") == works.series_of[children]
    assert _series(
        con, works, "The Eye of the World (The Wheel of Time, #1)", "Robert Jordan"
    ) == _series(con, works, "The Shadow Rising (Wheel of Time, #4)", "Robert Jordan")
    reasons = dict(
        con.execute(
            "select book_id, reason from work_decisions where decision = 'series spelled two ways'"
        ).fetchall()
    )
    assert reasons[children] == '"dune chronicles" is the series "dune"'
    # a series name two authors number alike is one series per author to go through: Paolini's
    # Inheritance Cycle and Jemisin's Inheritance Trilogy (Eragon readers got no "Eldest");
    # Rowling's Harry Potter stays one, and the name still matches titles
    eragon = _series(con, works, "Eragon (The Inheritance Cycle, #1)", "Christopher Paolini")
    eldest = _series(con, works, "Eldest (The Inheritance Cycle, #2)", "Christopher Paolini")
    broken = _series(con, works, "The Broken Kingdoms (Inheritance, #2)", "N.K. Jemisin")
    assert eragon == eldest != broken
    rowling = "J.K. Rowling"
    assert _series(
        con, works, "Harry Potter and the Sorcerer's Stone (Harry Potter, #1)", rowling
    ) == _series(con, works, "Harry Potter and the Deathly Hallows (Harry Potter, #7)", rowling)
    # a title that is its series' name and a number ("more like this" on Maus II led with
    # Maus I, which no series rule knew came before it)
    maus = _book(con, "Maus II: A Survivor's Tale: And Here My Troubles Began", "Art Spiegelman")
    first = "Maus I: A Survivor's Tale: My Father Bleeds History (Maus, #1)"
    assert (works.series_of[maus], works.position_of[maus]) == ("maus", 2.0)
    assert _series(con, works, first, "Art Spiegelman") == "maus"
    # a series named after the #1 of another spelling: Ender's Shadow is #1 of both
    card = "Orson Scott Card"
    assert _series(con, works, "Ender's Shadow (The Shadow Series, #1)", card) == _series(
        con, works, "Shadow of the Hegemon (Ender's Shadow, #2)", card
    )


def test_a_collection_holds_the_series_of_its_parts_and_a_guide_its_series(real):
    """Driving the page: The Adventures of Sherlock Holmes at 5 stars offered Ronald Holt's
    reader "A Scandal in Bohemia (The Adventures of Sherlock Holmes, #1)", one of its stories;
    The Lightning Thief offered Riordan's own "Percy Jackson's Greek Gods (A Percy Jackson and
    the Olympians Guide)"."""
    con, works = real
    adventures = _blocked(
        con, works, "The Adventures of Sherlock Holmes (Sherlock Holmes, #3)", "Arthur Conan Doyle"
    )
    assert "A Scandal in Bohemia (The Adventures of Sherlock Holmes, #1)" in adventures
    assert "The Memoirs of Sherlock Holmes (Sherlock Holmes, #4)" not in adventures
    memoirs = _blocked(
        con, works, "The Memoirs of Sherlock Holmes (Sherlock Holmes, #4)", "Arthur Conan Doyle"
    )
    assert "Silver Blaze (The Memoirs of Sherlock Holmes, #1)" in memoirs
    thief = _blocked(
        con, works, "The Lightning Thief (Percy Jackson and the Olympians, #1)", "Rick Riordan"
    )
    assert "Percy Jackson's Greek Gods (A Percy Jackson and the Olympians Guide)" in thief
    assert "The Sea of Monsters (Percy Jackson and the Olympians, #2)" not in thief
    # a book of the same name as a work, in a series of its own name, is no part of it
    heart = _book(con, "Cross My Heart (Cross My Heart, #1)", "Katie Klein")
    assert not works.derived_from.get(heart)
    assert not works.collections_of.get(works.work(heart))


def test_collections_found_in_real_readers_lists(real):
    """What recommend_all gave the shared data's 1,343 readers, and the page a reader of one of
    the 400 most-read books, besides a book they had: a bare range ("The Dark Tower #1-3"), a
    range of books ("Books 1-13"), a series spelled with and without "the", "<a work> and
    Selected ...", two works joined by a bare slash ("more like this" on "The Time
    Machine/The Invisible Man" listed both), and complete poems or stories holding the
    author's smaller collections, but no novel of theirs."""
    con, works = real
    waste = _blocked(con, works, "The Waste Lands (The Dark Tower, #3)", "Stephen King")
    assert "The Dark Tower #1-3" in waste
    # a range of books where no "#" says the series ("more like this" on The Wide Window
    # held the box set at #3)
    assert "The Dark Tower Series: Books 1-7" in waste
    window = _blocked(
        con, works, "The Wide Window (A Series of Unfortunate Events, #3)", "Lemony Snicket"
    )
    assert "A Series of Unfortunate Events Box: The Complete Wreck (Books 1-13)" in window
    sojourn = _blocked(
        con,
        works,
        "Sojourn (Forgotten Realms: The Dark Elf Trilogy, #3; Legend of Drizzt, #3)",
        "R.A. Salvatore",
    )
    assert (
        "The Dark Elf Trilogy Collector's Edition (Forgotten Realms: Dark Elf Trilogy, #1-3; "
        "Legend of Drizzt, #1-3)"
    ) in sojourn
    assert "Heart of Darkness and Selected Short Fiction" in _blocked(
        con, works, "Heart of Darkness", "Joseph Conrad"
    )
    notes = _blocked(con, works, "Notes from Underground", "Fyodor Dostoevsky")
    assert any(t.startswith("Notes from Underground, White Nights, The Dream") for t in notes)
    for title, author, collection in [
        ("A Christmas Carol", "Charles Dickens", "A Christmas Carol, The Chimes and The Cricket "
         "on the Hearth"),
        ("The Adventures of Tom Sawyer", "Mark Twain", "The Adventures of Tom Sawyer & Adventures "
         "of Huckleberry Finn"),
        ("The Call of the Wild", "Jack London", "The Call of the Wild, White Fang and Other "
         "Stories"),
        ("The Screwtape Letters", "C.S. Lewis", "Mere Christianity and The Screwtape Letters"),
        ("The Invisible Man", "H.G. Wells", "The Time Machine/The Invisible Man"),
        # a list names a work by its title before the subtitle
        ("Through the Looking-Glass, and What Alice Found There", "Lewis Carroll",
         "Alice's Adventures in Wonderland / Through the Looking-Glass"),
        # a list after a colon; and a work joined to another title by "&" or "/", alone
        ("Oedipus Rex  (The Theban Plays, #1)", "Sophocles", "The Oedipus Cycle: Oedipus Rex, "
         "Oedipus at Colonus, Antigone"),
        ("Hamlet", "William Shakespeare", "Four Great Tragedies: Hamlet / Othello / King Lear / "
         "Macbeth"),
        ("Walden", "Henry David Thoreau", "Walden & Civil Disobedience"),
        # a volume of a series' range listed as a book of its own (a 3-book reader's #7)
        ("All Creatures Great and Small (All Creatures Great and Small, #1-2)", "James Herriot",
         "All Creatures Great and Small / All Things Bright and Beautiful"),
        ("Eclipse (The Twilight Saga, #3)", "Stephenie Meyer", "The Twilight Saga"),
        ("The Gunslinger (The Dark Tower, #1)", "Stephen King", "The Dark Tower: The Gunslinger "
         "Born"),
        ("Diary of a Wimpy Kid (Diary of a Wimpy Kid, #1)", "Jeff Kinney", "Do-It-Yourself Book "
         "(Diary of a Wimpy Kid)"),
        ("The Return of the King (The Lord of the Rings, #3)", "J.R.R. Tolkien", "The Lord of the "
         "Rings: Weapons and Warfare"),
        ("The Power of Now: A Guide to Spiritual Enlightenment", "Eckhart Tolle", "Practicing the "
         "Power of Now: Essential Teachings, Meditations, and Exercises from the Power of Now"),
    ]:  # fmt: skip
        assert collection in _blocked(con, works, title, author), (title, collection)
    # a name before a colon is no list item, and a title cut before its subtitle names no
    # "&"-joined work: one volume of a series holds no other, Batman & Robin no Batman story
    god = _blocked(
        con, works, "Conversations with God: An Uncommon Dialogue, Book 1", "Neale Donald Walsch"
    )
    assert not any(t.endswith("Book 2") or t.endswith("Book 3") for t in god), god
    arkham = _blocked(
        con,
        works,
        "Batman: Arkham Asylum - A Serious House on Serious Earth",
        "Grant Morrison",
    )
    assert "Batman & Robin: Batman Reborn" not in arkham
    assert "I Am Legend and Other Stories" in _blocked(
        con, works, "I Am Legend", "Richard Matheson"
    )
    assert "No Exit and Three Other Plays" in _blocked(con, works, "No Exit", "Jean-Paul Sartre")
    # a series in one volume ("more like this" on Out from Boneville led with it)
    bone = _blocked(con, works, "Out from Boneville (Bone, #1)", "Jeff Smith")
    assert "Bone: The Complete Edition" in bone
    pygmalion = _blocked(con, works, "Pygmalion", "George Bernard Shaw")
    assert "Pygmalion and Three Other Plays" in pygmalion  # a one-word work will do
    # a one-word title among three split by semicolons ("more like this" on Antigone led with it)
    antigone = _blocked(con, works, "Antigone (The Theban Plays, #3)", "Sophocles")
    assert "Antigone; Oedipus the King; Electra" in antigone
    # ... or of six letters or more in any list of three ("more like this" on Apology)
    dialogues = "Five Dialogues: Euthyphro, Apology, Crito, Meno, Phaedo"
    assert dialogues in _blocked(con, works, "Apology", "Plato")
    assert "The Complete Poems of Emily Dickinson" in _blocked(
        con, works, "Selected Poems", "Emily Dickinson"
    )
    poe = _blocked(con, works, "The Complete Stories and Poems", "Edgar Allan Poe")
    assert {"The Complete Tales and Poems", "The Tell-Tale Heart and Other Writings"} <= poe
    # ... and its stories printed alone ("more like this" on The Tell-Tale Heart led with it)
    assert "The Complete Stories and Poems" in _blocked(
        con, works, "The Tell-Tale Heart", "Edgar Allan Poe"
    )
    # ... however much more read than the collection ("more like this" on The Tale of Peter
    # Rabbit led with "The Complete Tales"; Poe's "The Raven" was not in his Complete Tales)
    assert "The Complete Tales" in _blocked(
        con, works, "The Tale of Peter Rabbit", "Beatrix Potter"
    )
    assert "The Complete Tales and Poems" in _blocked(con, works, "The Raven", "Edgar Allan Poe")
    # ... and the author's collections however widely read ("more like this" on "A Good Man
    # Is Hard to Find and Other Stories" led with "The Complete Stories")
    good_man = "A Good Man Is Hard to Find and Other Stories"
    assert "The Complete Stories" in _blocked(con, works, good_man, "Flannery O'Connor")
    # complete stories hold no novel of their author, nor a namesake's book
    stories = _blocked(con, works, "The Complete Stories", "Flannery O'Connor")
    assert "Wise Blood" not in stories
    assert "Fancy Nancy" not in stories  # Jane O'Connor
    # new stories "from the Dresden Files" are the series' own
    jobs = _book(
        con, "Side Jobs: Stories from the Dresden Files (The Dresden Files, #12.5)", "Jim Butcher"
    )
    assert not works.derived_from.get(jobs)
    # a shorter name before a colon is another book's ("The Red Queen" by Philippa Gregory)
    queen = _book(con, "The Red Queen: Sex and the Evolution of Human Nature", "Matt Ridley")
    assert not works.derived_from.get(queen)
    # nor is a collection another author's mash-up for sharing a generic title
    tales = _book(con, "The Complete Tales and Poems", "Edgar Allan Poe")
    assert not works.derived_from.get(tales)


def test_an_alternative_title_is_the_same_work(real):
    """ "Moby-Dick or, the Whale" by Melville and the rating files' "Moby-Dick" (no author)
    were two works, so a reader who typed "Moby Dick" (the rating files' book) could be
    offered Melville's as a new book; "X, or Y" and "X; or, Y" are X."""
    con, works = real

    melville = _book(con, "Moby-Dick or, the Whale", "Herman Melville")
    assert works.work(melville) == works.work(_untitled(con, "Moby-Dick"))
    assert works.work(melville) == works.work(_untitled(con, "Moby Dick; or, the White Whale"))
    mccarthy = _book(con, "Blood Meridian, or, the Evening Redness in the West", "Cormac McCarthy")
    assert works.work(mccarthy) == works.work(_untitled(con, "Blood Meridian"))
    vonnegut = _book(con, "Slaughterhouse-Five", "Kurt Vonnegut Jr.")
    crusade = _untitled(
        con, "Slaughterhouse-Five, or The Children's Crusade: A Duty-Dance with Death"
    )
    assert works.work(vonnegut) == works.work(crusade)
    # an "or" with no comma beside it is part of the title
    keys = con.execute(
        "select work_title_key('Truth or Dare'), work_title_key('Sink or Swim: A Novel')"
    ).fetchone()
    assert keys == ("truth or dare", "sink or swim")


def test_records_goodreads_counts_as_one_work_are_one_work(real):
    """One author's records with the same Goodreads totals (ratings and average over all of a
    work's editions) are one work: "Invisible Monsters Remix" was suggested to a reader of
    "Invisible Monsters". And a work's title under another author's record is the work, by an
    author another record of it credits: a reader of "The Firm" by John Grisham was offered
    "The Firm" by Robin Waterfield (Best Books 10k credits the Penguin Readers adapter; the
    Penguin edition, the same Goodreads id, credits Grisham)."""
    con, works = real
    assert works.work(_book(con, "Invisible Monsters Remix", "Chuck Palahniuk")) == works.work(
        _book(con, "Invisible Monsters", "Chuck Palahniuk")
    )
    assert works.work(_book(con, "A Story of Yesterday", "Sergio Cobo")) == works.work(
        _book(con, "Una Historia de Ayer", "Sergio Cobo")
    )
    grisham = _book(con, "The Firm", "John Grisham")
    assert works.work(grisham) == works.work(_book(con, "The Firm", "Robin Waterfield"))
    # other authors' books with equal totals are chance
    assert works.work(_book(con, "Frederica", "Georgette Heyer")) != works.work(
        _book(con, "The Crown Conspiracy (The Riyria Revelations, #1)", "Michael J. Sullivan")
    )
    # and one author's franchise books keep apart (their titles share "Batman" alone)
    assert works.work(_book(con, "Batman: Hush", "Jeph Loeb")) != works.work(
        _book(con, "Batman: The Long Halloween", "Jeph Loeb")
    )


def test_a_work_credited_to_several_authors_stands_as_its_authors_book(real):
    """Where a work's records credit several authors, its main edition (the one a list
    shows, where it has co-reading here: tests/lists/test_real_export.py) is by the author
    (surname) with the most works here: Pratchett's "The Truth", not Stephen Briggs' "The
    Truth: Stage Adaptation" (goodbooks-10k's work, more ratings)."""
    con, works = real
    truth = _book(con, "The Truth (Discworld, #25; Industrial Revolution, #2)", "Terry Pratchett")
    briggs = _book(con, "The Truth: Stage Adaptation", "Stephen Briggs")
    assert works.work(truth) == works.work(briggs)
    assert works.main_edition[works.work(truth)] == truth
    # one author's work keeps its most-rated edition
    hobbit = works.work(_book(con, "The Hobbit (The Lord of the Rings, #0)", "J.R.R. Tolkien"))
    (most_rated,) = con.execute(
        "select book_id from book_works join books using (book_id) where work_id = ? "
        "order by num_ratings desc nulls last, book_id limit 1",
        [hobbit],
    ).fetchone()
    assert works.main_edition[hobbit] == most_rated


def test_a_title_a_book_was_first_published_under_is_its_work(real):
    """The rating files title some books as first published, with no author: "Le Petit
    Prince", "Cien años de soledad". goodbooks-10k gives each book's original title: such a
    record is that book's work (a reader who typed "Le Petit Prince" was offered "The Little
    Prince"). Not where the record names a series of its own, nor a counted book's title
    (goodbooks gives a novella the collection it was first published in)."""
    con, works = real
    for original, title, author in (
        ("Le Petit Prince", "The Little Prince", "Antoine de Saint-Exupéry"),
        ("Cien años de soledad", "One Hundred Years of Solitude", "Gabriel García Márquez"),
        ("Der Vorleser", "The Reader", "Bernhard Schlink"),
    ):
        assert works.work(_untitled(con, original)) == works.work(_book(con, title, author))
    assert works.work(_untitled(con, "Crown of Shadows (The Coldfire Trilogy, #3)")) != (
        works.work(_book(con, "Locke & Key, Vol. 3: Crown of Shadows", "Joe Hill"))
    )
    (decision,) = con.execute(
        "select reason from book_works where book_id = ?", [_untitled(con, "Der Vorleser")]
    ).fetchone()
    assert decision == "titled as a goodbooks-10k book of the work was first published"


def test_a_title_spelled_with_a_space_or_hyphen_more_is_the_same_work(real):
    """ "The Yellow Wall-Paper" and "The Yellow Wallpaper" were two works (a reader of one could
    be offered the other), and the rating files' "Good Night, Moon" (no author) was not
    Margaret Wise Brown's "Goodnight Moon". Where the spelling of most words has two, one is
    too often another book: Patchett's "Commonwealth" is not "Common Wealth: Economics for a
    Crowded Planet". "The Jungle Books" by Kipling holds "The Jungle Book"."""
    con, works = real

    gilman = works.work(_book(con, "The Yellow Wall-Paper", "Charlotte Perkins Gilman"))
    assert works.work(_untitled(con, "The Yellow Wallpaper")) == gilman
    stories = _book(con, "The Yellow Wallpaper and Other Stories", "Charlotte Perkins Gilman")
    assert gilman in works.contains[stories]
    assert works.work(_untitled(con, "Good Night, Moon")) == works.work(
        _book(con, "Goodnight Moon", "Margaret Wise Brown")
    )
    sachs = _untitled(con, "Common Wealth: Economics for a Crowded Planet")
    assert works.work(sachs) != works.work(_book(con, "Commonwealth", "Ann Patchett"))
    assert works.work(_untitled(con, "Hourglass: Time, Memory, Marriage")) != works.work(
        _untitled(con, "Hour Glass: A Novel of Calamity Jane")
    )
    jungle = works.work(_book(con, "The Jungle Book", "Rudyard Kipling"))
    assert jungle in works.contains[_book(con, "The Jungle Books", "Rudyard Kipling")]


def test_a_book_in_two_series_is_read_in_the_narrower(real):
    """ "Guards! Guards! (Discworld, #8; City Watch, #1)" was Discworld #8 alone, so its "next
    in series" was Eric (Discworld #9, a Rincewind book), not Men at Arms (City Watch #2). A
    book whose suffix names two series is read in the one with fewer entries; an edition that
    notes only the first is still the same work (the German "Gevatter Tod (Discworld, #4)" is
    "Mort (Discworld, #4; Death, #1)"), and Discworld's books without a second series are read
    in any order (no series to go through: Pyramids was blocked for a reader of The Amazing
    Maurice, Discworld #28, as "before the earliest one read")."""
    con, works = real
    guards = _book(con, "Guards! Guards! (Discworld, #8; City Watch, #1)", "Terry Pratchett")
    arms = _book(con, "Men at Arms (Discworld, #15; City Watch #2)", "Terry Pratchett")
    assert _series(
        con, works, "Guards! Guards! (Discworld, #8; City Watch, #1)", "Terry Pratchett"
    ) == ("city watch")
    assert (works.position_of[guards], works.position_of[arms]) == (1.0, 2.0)
    assert works.series_of[arms] == "city watch"
    for standalone in ("Small Gods (Discworld, #13)", "Pyramids (Discworld, #7)"):
        assert _book(con, standalone, "Terry Pratchett") not in works.series_of, standalone
    # a note numbering two series with a comma for the semicolon stays in its series: not
    # offered before Making Money (Moist von Lipwig #2)
    steam = "Raising Steam (Discworld, #40, Moist von Lipwig #3 )"
    assert _series(con, works, steam, "Terry Pratchett") == "discworld"
    mort = _book(con, "Mort (Discworld, #4; Death, #1)", "Terry Pratchett")
    (tod,) = con.execute(
        "select book_id from books where title = 'Gevatter Tod (Discworld, #4)'"
    ).fetchone()
    assert works.work(mort) == works.work(int(tod))
    # a series of more entries than the first stays second: the Lincoln Lawyer books are not
    # read in the Harry Bosch Universe
    assert (
        _series(
            con,
            works,
            "The Lincoln Lawyer (The Lincoln Lawyer, #1; Harry Bosch Universe, #15)",
            "Michael Connelly",
        )
        == "the lincoln lawyer"
    )
    # a note naming only the broader series is read where notes naming both number it: "The
    # Black Echo (Harry Bosch Universe, #1)", the most read record, had no next entry (the
    # Universe's #2, The Black Ice, is read as Harry Bosch #2)
    echo = _book(con, "The Black Echo (Harry Bosch Universe, #1)", "Michael Connelly")
    ice = _book(
        con, "The Black Ice (Harry Bosch, #2; Harry Bosch Universe, #2)", "Michael Connelly"
    )
    assert (works.series_of[echo], works.position_of[echo]) == ("harry bosch", 1.0)
    assert (works.series_of[ice], works.position_of[ice]) == ("harry bosch", 2.0)
    eco = _untitled(con, "El eco negro (Harry Bosch, #1; Harry Bosch Universe, #1)")
    assert works.work(eco) == works.work(echo)
    # only into a series whose name the broader one's begins with: not Terry McCaleb #1 into
    # the Harry Bosch Universe, nor an anthology's novella into another author's series
    renumbered = con.execute(
        "select b.title, s.series_key from book_series as s join books as b using (book_id) "
        "where s.series_rule like 'numbered in a broader%'"
    ).fetchall()
    assert ("The Black Echo (Harry Bosch Universe, #1)", "harry bosch") in renumbered
    for title, key in renumbered:
        assert f"({key} " in title.lower(), (title, key)


def test_look_alikes_stay_apart(real):
    """What the new rules must not catch: a first book named like its series, a shared main
    title, a subject that is also a series' name, a series' own first entry."""
    con, works = real
    little = _book(con, "Little Women", "Louisa May Alcott")
    assert not works.contains.get(little)
    hush = _book(con, "Batman: Hush", "Jeph Loeb")
    assert not works.derived_from.get(hush)
    academy = _book(con, "Vampire Academy (Vampire Academy, #1)", "Richelle Mead")
    assert not works.derived_from.get(academy)
    code = _book(
        con,
        "The Code Book: The Science of Secrecy from Ancient Egypt to Quantum Cryptography",
        "Simon Singh",
    )
    assert not works.derived_from.get(code)
    # every decision says why
    assert con.execute("select count(*) from work_decisions where reason is null").fetchone() == (
        0,
    )
