"""The built-in demo catalog: synthetic Goodreads files in the exact original layouts.

Everything here is made up: titles, authors, descriptions, ids and ratings come from word
lists and a seeded random model, so that bookrec runs on a fresh machine with no download.
The files land in the folders and layouts of the two Kaggle datasets (Best Books Ever,
book*.csv shards, user_rating_*.csv files) and go through the same ingest as real ones.

The model (one `numpy.random.Generator(seed)`, so a seed gives the same bytes):
- 12 genres, each with its own vocabulary. A book has a primary genre (mostly its author's)
  and sometimes a secondary one; its title, description and genre shelves are built from
  those vocabularies, so that a sentence encoder places books of one genre together.
- Each book has a quality q (author quality plus noise) and a popularity; each user a
  bias b and a taste t_g for every genre. A user's rating of book i is
  ``clip(round(3.8 + q_i + b_u + sum_g theta_ig t_ug + noise), 1, 5)``, theta_i being the
  book's genre weights (2/3 primary, 1/3 secondary; 1 when it has one genre).
- Users rate books of the genres they like more often (softmax of taste) and popular books
  more often; the book's Goodreads-wide star counts (numRatings, ratingsByStars, rating) follow
  the same model averaged over all readers, so the average rating knows q but not the taste:
  what a user liked before is real signal beyond the book average.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

from bookrec.errors import BookrecError, ConfigError
from bookrec.warehouse.layouts import NO_RATING_TEXT, RATING_TEXTS

log = logging.getLogger(__name__)

# Bumped whenever the same arguments would give different files (callers may put it in the
# folder name, so that a cached demo folder is never an older generator's).
GENERATOR_VERSION = 1
MARKER = "README_SYNTHETIC.txt"
MIN_BOOKS = 50
MIN_USERS = 10
DEFAULT_RATINGS_PER_USER = (20, 180)
USERS_PER_FILE = 1000  # like the originals: user_rating_0_to_1000.csv, 1000_to_2000, ...

# The model's constants (see the module docstring).
BASE_RATING = 3.8
TASTE_SD = 0.75
USER_BIAS_SD = 0.35
AUTHOR_QUALITY_SD = 0.2
BOOK_QUALITY_SD = 0.28
NOISE_SD = 0.75
GENRE_CHOICE_STRENGTH = 1.2  # how strongly taste steers which books a user reads
SECONDARY_GENRE_SHARE = 0.35
SHARD_SHARE = 0.6  # share of Best Books Ever books that the shards also describe
SHARD_ONLY_SHARE = 0.06  # books in the shards only (relative to n_books)
RATING_ONLY_SHARE = 0.03  # books named only by the rating files
NO_RATING_USER_SHARE = 0.02


def _columns(header: str) -> tuple[str, ...]:
    return tuple(header.split(","))


BBE_COLUMNS = _columns(
    "bookId,title,series,author,rating,description,language,isbn,genres,characters,"
    "bookFormat,edition,pages,publisher,publishDate,firstPublishDate,awards,numRatings,"
    "ratingsByStars,likedPercent,setting,coverImg,bbeScore,bbeVotes,price"
)
SHARD1_COLUMNS = _columns(
    "Id,Name,RatingDist1,pagesNumber,RatingDist4,RatingDistTotal,PublishMonth,PublishDay,"
    "Publisher,CountsOfReview,PublishYear,Language,Authors,Rating,RatingDist2,RatingDist5,"
    "ISBN,RatingDist3"
)
SHARD2_COLUMNS = _columns(
    "Name,Authors,Id,Rating,Description,Count of text reviews,RatingDistTotal,pagesNumber,"
    "PublishYear,Language,ISBN,RatingDist1,RatingDist2,RatingDist3,RatingDist4,"
    "RatingDist5,Publisher,PublishMonth,PublishDay,CountsOfReview"
)
STAR_TEXTS = {stars: text for text, stars in RATING_TEXTS.items()}


@dataclass(frozen=True)
class Genre:
    """One latent genre and the words its books are written with."""

    name: str
    tags: tuple[str, ...]  # Goodreads shelves, the genre's own first
    fiction: bool
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    places: tuple[str, ...]  # fiction: settings; non-fiction: subjects
    heroes: tuple[str, ...]  # fiction: protagonists; non-fiction: authors' roles
    things: tuple[str, ...]
    threats: tuple[str, ...]  # fiction: dangers; non-fiction: questions answered
    sentences: tuple[str, ...]  # slots: {hero} {name} {place} {thing} {threat}
    series_word: str = "Series"
    subtitles: tuple[str, ...] = ()


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split("|") if w.strip())


GENRES: tuple[Genre, ...] = (
    Genre(
        name="Fantasy",
        tags=("Fantasy", "Fiction", "Magic", "Epic Fantasy", "Adventure", "Dragons"),
        fiction=True,
        adjectives=_words(
            "Silver|Broken|Hollow|Burning|Forgotten|Shattered|Crimson|Wild|Sunken|Iron|Ashen|"
            "Golden|Cursed|Hidden|Frozen|Thorned|Starless|Winter|Ember|Twilight|Raven|Stolen|"
            "Sleeping|Elder"
        ),
        nouns=_words(
            "Crown|Throne|Dragon|Sword|Mage|Kingdom|Witch|Tower|Spell|Blade|Gate|Realm|Prophecy|"
            "Sorceress|Oath|Citadel|Heir|Rune|Wyvern|Grimoire|Queen|Staff|Shield|Enchantress"
        ),
        places=_words(
            "Emberfall|Valdoria|the Thornwood|Eldmoor|Highspire|the Shattered Isles|Kethros|"
            "the Mistvale|Ravenhold|Sunmere|Dunmarrow|the Iron Peaks|Caer Lumen|the Elder Forest|"
            "Wyrmgate|Stormhaven|Ashkaran|the Glass Marches"
        ),
        heroes=_words(
            "a young mage|an exiled princess|a farm boy with a hidden gift|a disgraced knight|"
            "an apprentice witch|the last dragon rider|a thief with a cursed hand|an elven archer|"
            "a reluctant heir|a wandering bard|a runaway squire|a half-fae healer"
        ),
        things=_words(
            "an ancient sword|a forbidden spellbook|a dragon egg|the lost crown|a sealed rune "
            "stone|a map to the elder gate|a shard of starlight|a cursed amulet|the heart of the "
            "mountain|an enchanted staff"
        ),
        threats=_words(
            "a dark lord rises in the north|the dragons return|the old magic fades forever|"
            "the shadow army crosses the mountains|the sorcerer king breaks his chains|"
            "the elven courts go to war|the curse consumes the realm|wyverns burn the capital"
        ),
        sentences=(
            "In the kingdom of {place}, {hero} discovers {thing} and a destiny written in blood.",
            "When {threat}, {hero} must unite rival clans, master forbidden magic and reclaim "
            "{thing}.",
            "{name} never wanted to be a hero, but {thing} has chosen {name} to face the dragons "
            "of {place}.",
            "An epic fantasy of wizards, swords and sorcery, in which {hero} learns that every "
            "spell has a price.",
            "Beyond the walls of {place}, elves, witches and knights gather as {threat}.",
            "Magic is forbidden in {place}, yet {hero} must wield it before {threat}.",
        ),
        series_word="Chronicles",
    ),
    Genre(
        name="Science Fiction",
        tags=("Science Fiction", "Fiction", "Space Opera", "Dystopia", "Aliens", "Cyberpunk"),
        fiction=True,
        adjectives=_words(
            "Dark|Quantum|Red|Distant|Silent|Synthetic|Orbital|Final|Infinite|Electric|Cold|"
            "Binary|Neon|Stellar|Fractured|Deep|Outer|Parallel|Ion|Null|Chrome|Solar|Lunar|Zero"
        ),
        nouns=_words(
            "Star|Horizon|Protocol|Colony|Signal|Machine|Orbit|Nebula|Android|Engine|Station|"
            "Fleet|Singularity|Planet|Array|Drift|Frontier|Moon|Circuit|Vector|Reactor|Void|"
            "Starship|Transmission"
        ),
        places=_words(
            "Mars|the Kepler Colony|Station Helix|the Outer Rim|Titan|New Shanghai|the Andromeda "
            "Gate|Europa|the orbital city of Arcadia|Proxima b|the Sol Array|Ceres Deep|Hyperion "
            "Base|the Vega Belt"
        ),
        heroes=_words(
            "a starship pilot|a rogue android|a xenobiologist|a disgraced fleet captain|a hacker "
            "in the undercity|a colony engineer|a clone who remembers too much|a navigator|an AI "
            "that wants to be human|a salvage crew|a young cadet|a time traveler"
        ),
        things=_words(
            "an alien signal|a derelict starship|a quantum drive|a stolen neural implant|the last "
            "terraforming engine|a message from the future|a rogue artificial intelligence|"
            "a wormhole map|a genetic archive|a spacetime anomaly"
        ),
        threats=_words(
            "the alien fleet arrives|the colony's oxygen runs out|the machines turn against their "
            "makers|the wormhole collapses|the corporation erases the truth|Earth goes silent|"
            "the AI rewrites human memory|the galaxy falls into civil war"
        ),
        sentences=(
            "On {place}, {hero} intercepts {thing} that could change the fate of humanity.",
            "Centuries after Earth fell, {hero} must cross the galaxy before {threat}.",
            "{name} wakes from cryosleep aboard a starship light years from home, with {thing} "
            "and no memory of the mission.",
            "A science fiction novel of spaceships, artificial intelligence and first contact, "
            "in which {threat}.",
            "In a future ruled by machines, {hero} discovers {thing} hidden in the code of "
            "{place}.",
            "When {threat}, the crew of the starship must decide what it means to be human.",
        ),
        series_word="Saga",
    ),
    Genre(
        name="Mystery",
        tags=("Mystery", "Fiction", "Crime", "Detective", "Cozy Mystery", "Murder Mystery"),
        fiction=True,
        adjectives=_words(
            "Silent|Quiet|Missing|Crooked|Poisoned|Locked|Deadly|Little|Vanishing|Murdered|"
            "Secret|Blind|Dead|Innocent|Drowned|Shadowed|Grave|Burnt|Unquiet|Curious|Guilty|"
            "Midnight|Sleeping|Spiteful"
        ),
        nouns=_words(
            "Witness|Alibi|Clue|Detective|Inspector|Vicarage|Key|Case|Body|Verdict|Inquest|"
            "Suspect|Motive|Confession|Letter|Cottage|Evidence|Affair|Corpse|Inheritance|Puzzle|"
            "Lodger|Locket|Diary"
        ),
        places=_words(
            "Little Wexford|Ashby Green|the village of Milbrook|Harrowgate Manor|Camden Street|"
            "Blackmoor Bay|St. Ives Cove|Fenwick Hall|the Cotswolds|Lower Bramley|Kingsbridge|"
            "Oxford"
        ),
        heroes=_words(
            "a retired police inspector|a village bookseller|an amateur sleuth|a young constable|"
            "a private investigator|a crossword-loving vicar|a forensic pathologist|a detective "
            "sergeant|a nosy librarian|a former journalist"
        ),
        things=_words(
            "a missing diary|a poisoned teacup|a locked room|a forged will|a bloodstained letter|"
            "an anonymous confession|a stolen necklace|a coded note|a body in the library|"
            "a missing heiress"
        ),
        threats=_words(
            "the killer strikes again|the wrong man hangs for the murder|the village keeps its "
            "secrets|every suspect has an alibi|the evidence points to a friend|the storm cuts "
            "off the island"
        ),
        sentences=(
            "When a body is found in {place}, {hero} must solve the murder before {threat}.",
            "{name} follows a trail of clues from {thing} to a family secret buried in {place}.",
            "A classic whodunit: a detective, a dozen suspects, and {thing}.",
            "The inspector suspects everyone in {place}, but only {hero} notices {thing}.",
            "A cozy mystery of gossip, tea and murder, in which {threat}.",
            "Who killed the squire of {place}? {hero} has until dawn, and {threat}.",
        ),
        series_word="Mysteries",
    ),
    Genre(
        name="Thriller",
        tags=("Thriller", "Fiction", "Suspense", "Espionage", "Action", "Psychological Thriller"),
        fiction=True,
        adjectives=_words(
            "Black|Kill|Red|Zero|Rogue|Deadly|Burning|Covert|Hostile|Lethal|Shadow|Last|Deep|"
            "Fatal|Sudden|Ghost|Iron|Blind|Dark|Final|Silent|Dead|Hard|Extreme"
        ),
        nouns=_words(
            "Protocol|Target|Agent|Asset|Order|Switch|Dossier|Code|Hour|Operation|Hunt|Contract|"
            "Conspiracy|Extraction|Zone|Command|Trigger|Cipher|Exit|Ultimatum|Directive|"
            "Countdown|Pursuit|Agenda"
        ),
        places=_words(
            "Washington|Berlin|Moscow|Istanbul|a safe house in Prague|the Pentagon|London|Cairo|"
            "the Swiss Alps|Hong Kong|a Langley basement|Marseille"
        ),
        heroes=_words(
            "a former CIA agent|a rogue assassin|an FBI profiler|a Navy SEAL|a hacker on the "
            "run|a disgraced MI6 officer|a defense attorney|a war correspondent|a Secret Service "
            "agent|a forensic accountant"
        ),
        things=_words(
            "a stolen nuclear code|a list of undercover agents|an encrypted hard drive|"
            "a presidential secret|a missing bioweapon|a dead man's phone|a sniper's bullet|"
            "a classified dossier"
        ),
        threats=_words(
            "the clock runs out|the conspiracy reaches the White House|the assassin strikes|"
            "the bomb detonates|the traitor inside the agency disappears|the cartel closes in"
        ),
        sentences=(
            "{hero} has twenty-four hours to stop a conspiracy before {threat}.",
            "From {place} to the streets of a burning city, {hero} is hunted by the people who "
            "trained {name}.",
            "A relentless thriller of espionage and betrayal: {thing} goes missing and {threat}.",
            "When {name} uncovers {thing}, every agency in {place} wants {name} dead.",
            "A pulse-pounding race against time, where nobody can be trusted and {threat}.",
            "Framed for murder, {hero} must expose the conspiracy before {threat}.",
        ),
    ),
    Genre(
        name="Romance",
        tags=(
            "Romance",
            "Fiction",
            "Contemporary Romance",
            "Women's Fiction",
            "Chick Lit",
            "Love",
        ),
        fiction=True,
        adjectives=_words(
            "Sweet|Summer|Perfect|Wild|Secret|Accidental|Beautiful|Unexpected|Forever|Reckless|"
            "Tender|Lucky|Second|Sunlit|Starry|Little|Golden|Runaway|Endless|Crazy|Gentle|"
            "Wicked|Holiday|Honey"
        ),
        nouns=_words(
            "Kiss|Heart|Promise|Wedding|Proposal|Crush|Date|Bride|Vow|Season|Love|Flame|Romance|"
            "Embrace|Match|Boyfriend|Bakery|Valentine|Honeymoon|Flirtation|Sweetheart|Fiance|"
            "Engagement|Serenade"
        ),
        places=_words(
            "a small coastal town|Sugar Creek|a Tuscan vineyard|Paris|a café in Lisbon|"
            "Willow Bay|Manhattan|a ranch in Montana|Cape Cod|a snowy mountain inn|Savannah|"
            "a bookshop in Edinburgh"
        ),
        heroes=_words(
            "a heartbroken baker|a billionaire with a secret|a single mother|a grumpy fisherman|"
            "a wedding planner|a country singer|a small-town veterinarian|a runaway bride|"
            "a fake fiancée|a lonesome cowboy"
        ),
        things=_words(
            "a summer love|a fake engagement|a second chance at love|an old love letter|"
            "a marriage of convenience|a holiday romance|a forbidden attraction|a kiss at "
            "midnight"
        ),
        threats=_words(
            "old wounds reopen|an ex comes back to town|the summer ends|the secret about the "
            "past comes out|the bakery has to close|both families forbid the wedding"
        ),
        sentences=(
            "{hero} returns to {place} and falls for the one person she swore never to love again.",
            "A heartwarming romance about {thing}, friendship and the courage to love again.",
            "{name} never believed in {thing} until a grumpy neighbour moved to {place}.",
            "Sparks fly in {place} between {hero} and an old rival, but {threat}.",
            "A sweet, funny love story of kisses, weddings and {thing}, set in {place}.",
            "Love was not part of the plan, until {threat} and {name} had to choose.",
        ),
    ),
    Genre(
        name="Historical Fiction",
        tags=("Historical Fiction", "Fiction", "Historical", "War", "World War II", "Victorian"),
        fiction=True,
        adjectives=_words(
            "Lost|Forgotten|Brave|Winter|Queen's|Imperial|Scarlet|Victorian|Wartime|Orphan|"
            "Emperor's|Painted|Tudor|Exiled|Faithful|Royal|Widow's|Last|Silk|Northern|Paris|"
            "Captain's|Glassmaker's|Huguenot"
        ),
        nouns=_words(
            "Nightingale|Daughter|Empress|Letters|Bookbinder|Spy|Soldier|Harvest|Tailor|"
            "Courtesan|Duchess|Ship|Manor|Rebellion|Mapmaker|Regiment|Cathedral|Tapestry|"
            "Lighthouse|Apprentice|Physician|Sisters|Garrison|Weaver"
        ),
        places=_words(
            "occupied Paris|Tudor London|the trenches of the Somme|Imperial Russia|Victorian "
            "Edinburgh|Renaissance Florence|the American frontier|Berlin in 1944|colonial "
            "Virginia|the court of Versailles|Shanghai in 1937|medieval York"
        ),
        heroes=_words(
            "a young nurse|a French resistance fighter|a Tudor lady-in-waiting|a Civil War "
            "widow|a Jewish tailor|a Scottish weaver|a soldier home from the Great War|"
            "a Venetian glassblower|an orphan in a workhouse|a royal physician"
        ),
        things=_words(
            "a forbidden love|a family secret hidden in old letters|a stolen painting|a coded "
            "message for the resistance|the queen's jewels|a map of the new world|a soldier's "
            "diary"
        ),
        threats=_words(
            "war tears the family apart|the Nazis occupy the city|the revolution reaches the "
            "palace|the plague sweeps through the city|the king's court turns against her|"
            "the Blitz falls on London"
        ),
        sentences=(
            "In {place}, {hero} risks everything for {thing} as {threat}.",
            "Inspired by the courage of ordinary women in wartime, this is the story of {hero} "
            "in {place}.",
            "{name} keeps {thing} hidden for fifty years, until a granddaughter opens the box.",
            "A sweeping historical novel of love, loss and survival in {place}, where {threat}.",
            "When {threat}, {hero} must choose between loyalty and survival.",
            "From {place} to the battlefields of Europe, two sisters are bound by {thing}.",
        ),
        series_word="Saga",
    ),
    Genre(
        name="Horror",
        tags=("Horror", "Fiction", "Paranormal", "Ghosts", "Gothic", "Supernatural"),
        fiction=True,
        adjectives=_words(
            "Hollow|Haunted|Black|Rotting|Pale|Hungry|Night|Bleeding|Whispering|Cursed|"
            "Crawling|Grim|Screaming|Empty|Buried|Wicked|Drowned|Bone|Blood|Sleepless|Unholy|"
            "Devil's|Rusted|Withered"
        ),
        nouns=_words(
            "House|Ghost|Doll|Cellar|Asylum|Coffin|Attic|Possession|Ritual|Thing|Shadows|"
            "Graveyard|Church|Woods|Bones|Creature|Carnival|Mirror|Nightmare|Exorcism|Demon|"
            "Hunger|Scarecrow|Well"
        ),
        places=_words(
            "a haunted house on Ashgrove Lane|a small town in Maine|an abandoned asylum|"
            "the woods behind the school|a remote cabin|the old church at Harrow's End|a dying "
            "mining town|a seaside hotel closed for the winter|Blackwater Hollow|the cemetery on "
            "the hill"
        ),
        heroes=_words(
            "a grieving widow|a paranormal investigator|a priest who lost his faith|a group of "
            "teenagers|a new family|a night nurse|a horror novelist|a caretaker|a little girl who "
            "hears voices|a skeptical journalist"
        ),
        things=_words(
            "a demon in the walls|a possessed doll|a ghost that will not rest|an ancient ritual|"
            "a mirror that shows the dead|a creature in the woods|a book bound in human skin|"
            "a curse on the family"
        ),
        threats=_words(
            "the dead begin to walk|something in the basement wakes up|the children start to "
            "disappear|the haunting turns deadly|the evil feeds on their fear|the whispers will "
            "not stop"
        ),
        sentences=(
            "{hero} moves into {place} and soon learns that {thing} has been waiting.",
            "A terrifying ghost story of possession, madness and blood, in which {threat}.",
            "Every night at three o'clock, {name} hears the scratching, and {threat}.",
            "In {place}, {hero} awakens {thing}, and nobody is safe.",
            "A chilling horror novel of a haunted house, a dark ritual and {thing}.",
            "The townspeople of {place} remember what happened, but {threat}.",
        ),
        series_word="Cycle",
    ),
    Genre(
        name="Literary Fiction",
        tags=("Literary Fiction", "Fiction", "Contemporary", "Family", "Literature", "Book Club"),
        fiction=True,
        adjectives=_words(
            "Quiet|Small|Ordinary|Distant|Gentle|Blue|Late|Long|Unfinished|Borrowed|Brief|"
            "Remembered|Lonely|Still|Open|Inland|Narrow|Careful|Far|Half|Weightless|Patient|"
            "Common|Kind"
        ),
        nouns=_words(
            "Rooms|River|Years|Life|Garden|Marriage|Summer|Light|Things|Daughters|Silence|"
            "Field|Distance|Shore|Afternoon|Inheritance|Weather|Kitchen|Harbor|Island|Music|"
            "Orchard|Neighbours|Evenings"
        ),
        places=_words(
            "a small town in Ohio|a Dublin council flat|Lagos|a Vermont farmhouse|the suburbs "
            "of Toronto|Mumbai|a fishing village in Norway|Brooklyn|rural Australia|"
            "a Midwestern college town"
        ),
        heroes=_words(
            "a widowed schoolteacher|three estranged siblings|an immigrant family|a failing "
            "novelist|a daughter caring for her mother|two old friends|a retired piano tuner|"
            "a young couple|a lonely pharmacist|a grieving father"
        ),
        things=_words(
            "a family secret|the memory of a lost brother|an unsent letter|a house full of the "
            "past|a long marriage|an inheritance nobody wanted|the end of a friendship"
        ),
        threats=_words(
            "the past returns|grief reshapes a family|old silences finally break|a marriage "
            "slowly unravels|the town changes around them"
        ),
        sentences=(
            "Over one long summer in {place}, {hero} must confront {thing}.",
            "A luminous, quietly devastating novel about family, memory and {thing}.",
            "{name} returns to {place} after twenty years, and {threat}.",
            "Told across three generations, this is a story of love, grief and {thing}.",
            "In prose of rare beauty, the novel follows {hero} in {place} as {threat}.",
            "A moving portrait of ordinary lives, in which {hero} learns to live with {thing}.",
        ),
        series_word="Quartet",
    ),
    Genre(
        name="Children's",
        tags=("Children's", "Middle Grade", "Animals", "Picture Books", "Adventure", "Humor"),
        fiction=True,
        adjectives=_words(
            "Little|Brave|Magic|Giant|Tiny|Grumpy|Silly|Lost|Sleepy|Curious|Hungry|Wonderful|"
            "Clever|Noisy|Flying|Happy|Shy|Enormous|Rainbow|Pocket|Jolly|Busy|Snowy|Bouncy"
        ),
        nouns=_words(
            "Bear|Rabbit|Fox|Treehouse|Balloon|Puppy|Robot|Owl|Kitten|Monster|Pirate|Penguin|"
            "Train|Elephant|Mouse|Hedgehog|Dinosaur|Rocket|Unicorn|Badger|Moon|Duck|Giraffe|"
            "Tortoise"
        ),
        places=_words(
            "the Whispering Woods|Puddle Lane|the bottom of the garden|a busy farm|the Moon|"
            "Pepperpot Island|a school for young wizards|the toy shop on Main Street|the great "
            "big city|Mudford Meadow"
        ),
        heroes=_words(
            "a little bear|a brave young girl|two best friends|a curious kitten|a shy hedgehog|"
            "a boy and his robot|a family of mice|a lost puppy|a clever fox|a young pirate"
        ),
        things=_words(
            "a magic paintbrush|a treasure map|a new best friend|a birthday surprise|a talking "
            "teddy bear|a secret tunnel|the biggest cake in the world|a wishing stone"
        ),
        threats=_words(
            "the storm blows the treehouse away|the school bully steals the map|bedtime comes "
            "too soon|the zoo animals escape|the birthday party goes wrong"
        ),
        sentences=(
            "{hero} finds {thing} and sets off on a big adventure through {place}.",
            "A funny, heartwarming story about friendship, kindness and {thing}, perfect for "
            "young readers.",
            "{name} wants to be brave, but {threat}.",
            "Join {hero} in {place}, where {threat} and friends save the day.",
            "A delightful picture book about animals, laughter and {thing}.",
            "When {threat}, {hero} learns that being small is no reason to give up.",
        ),
        series_word="Adventures",
    ),
    Genre(
        name="Popular Science",
        tags=("Nonfiction", "Science", "Popular Science", "Physics", "Biology", "Psychology"),
        fiction=False,
        adjectives=_words(
            "Hidden|Selfish|Elegant|Invisible|Quantum|Curious|Accidental|Restless|Emotional|"
            "Unseen|Living|Deep|Tiny|Ancient|Improbable|Thinking|Social|Strange|Grand|Wandering|"
            "Inner|Measured|Predictable|Infinite"
        ),
        nouns=_words(
            "Brain|Gene|Universe|Cell|Mind|Atom|Planet|Code|Ocean|Evolution|Climate|Forest|"
            "Microbe|Origin|Matter|Symmetry|Instinct|Equation|Particle|Memory|Body|Cosmos|"
            "Species|Language"
        ),
        places=_words(
            "the human brain|black holes|the origin of life|the immune system|quantum physics|"
            "the deep ocean|climate change|human evolution|the microbiome|the history of the "
            "universe|artificial intelligence|the mathematics of chance"
        ),
        heroes=_words(
            "a neuroscientist|an award-winning physicist|a marine biologist|an evolutionary "
            "biologist|a science journalist|a cosmologist|a psychologist|a geneticist|"
            "a primatologist|an astronomer"
        ),
        things=_words(
            "the latest research|decades of experiments|the strange behaviour of subatomic "
            "particles|the secret life of trees|new discoveries about memory|the science of "
            "sleep|the hidden patterns of nature|the chemistry of emotions"
        ),
        threats=_words(
            "how we make decisions|why we age|how the universe began|what makes us human|"
            "how species adapt|why we forget|how the climate is changing"
        ),
        sentences=(
            "In this accessible and witty book, {hero} explains {thing} and what it reveals "
            "about {place}.",
            "Drawing on {thing}, {hero} shows {threat}.",
            "A fascinating journey into {place}, from the Big Bang to the human genome.",
            "Popular science at its best: {hero} makes the physics, biology and psychology of "
            "{place} clear for every reader.",
            "Why do we dream? How do cells decide? {hero} uses {thing} to explain {threat}.",
            "This book reveals {threat}, with {thing} from the laboratory and the field.",
        ),
        subtitles=_words(
            "A Journey into the Science of Everything|What Science Reveals About Us|The Story of "
            "Life on Earth|How Nature Really Works|The New Science of the Mind|Adventures at the "
            "Edge of Physics|A Natural History|The Secret Life of Matter"
        ),
    ),
    Genre(
        name="Memoir",
        tags=("Nonfiction", "Memoir", "Biography", "Autobiography", "Travel", "Music"),
        fiction=False,
        adjectives=_words(
            "Long|Wild|Hungry|Borrowed|Small|Glass|Open|Quiet|Broken|Restless|Crooked|Unlikely|"
            "Ordinary|Lucky|Wandering|Salt|Faraway|Stubborn|Second|Prodigal|Grateful|Barefoot|"
            "Midnight|Unfinished"
        ),
        nouns=_words(
            "Road|Childhood|Life|Kitchen|Journey|Voice|Years|Home|Daughter|Father|Song|Walk|"
            "Mountain|Stage|Farm|Roots|Passport|Table|Crossing|Notebook|Return|Mother|Summers|"
            "Suitcase"
        ),
        places=_words(
            "a remote farm in Idaho|postwar Brooklyn|the jazz clubs of New Orleans|"
            "the Appalachian Trail|a refugee camp|the kitchens of Paris|a small Welsh village|"
            "the streets of Mumbai|a Hollywood studio|the Himalayas"
        ),
        heroes=_words(
            "a celebrated chef|a former soldier|a jazz musician|an Olympic swimmer|a daughter of "
            "immigrants|a nurse|a Broadway actress|a mountaineer|a war photographer|a comedian"
        ),
        things=_words(
            "a difficult childhood|addiction and recovery|the death of a parent|a life in "
            "music|faith and doubt|a thousand-mile walk|finding a voice|the long road home"
        ),
        threats=_words(
            "how to begin again|what family really means|how to live with loss|the courage to "
            "leave|the price of fame"
        ),
        sentences=(
            "In this candid memoir, {hero} writes about {thing} and {threat}.",
            "Growing up in {place}, {name} learned early about {thing}.",
            "A funny, heartbreaking autobiography of {hero}, from {place} to the world stage.",
            "Part travel memoir, part confession, this is the true story of {thing}.",
            "{hero} recounts a life shaped by {place} and by {thing}, and reflects on {threat}.",
            "An unforgettable true story of survival, family and {threat}.",
        ),
        subtitles=_words(
            "A Memoir|A Life in Stories|Notes from a Wandering Life|My Years on the Road|"
            "A Memoir of Family and Home|Growing Up Between Two Worlds|A True Story|"
            "Confessions of an Unlikely Life"
        ),
    ),
    Genre(
        name="Self Help",
        tags=(
            "Nonfiction",
            "Self Help",
            "Business",
            "Productivity",
            "Personal Development",
            "Leadership",
        ),
        fiction=False,
        adjectives=_words(
            "Tiny|Deep|Power|Daily|Effortless|Mindful|Simple|Essential|Courageous|Resilient|"
            "Focused|Calm|Lean|Productive|Fearless|Joyful|Smart|Slow|Bold|Clear|Intentional|"
            "Creative|Winning|Minimalist"
        ),
        nouns=_words(
            "Habits|Mindset|Work|Leader|Focus|Rules|Principles|Method|Advantage|Path|Practice|"
            "Success|Wealth|Routine|Discipline|Decisions|Confidence|Negotiation|Strategy|Energy|"
            "Balance|Journal|Goals|Manager"
        ),
        places=_words(
            "productivity|leadership|personal finance|building better habits|mindfulness|"
            "public speaking|negotiation|time management|entrepreneurship|happiness|motivation|"
            "career growth"
        ),
        heroes=_words(
            "a leading business coach|a Harvard psychologist|a former Navy captain|"
            "a bestselling entrepreneur|a meditation teacher|a productivity expert|a financial "
            "advisor|a startup founder|an executive coach"
        ),
        things=_words(
            "small daily changes|proven strategies|simple rules|a step-by-step plan|practical "
            "exercises|lessons from top performers|the science of motivation|habits that "
            "compound over time"
        ),
        threats=_words(
            "how to stop procrastinating|how to build wealth|how to lead a team|how to find your "
            "purpose|how to focus in a distracted world|how to make better decisions"
        ),
        sentences=(
            "In this practical guide, {hero} shows {threat} through {thing}.",
            "A bestselling self-help book on {place}, packed with {thing}.",
            "{hero} reveals {threat} and why small wins matter more than talent.",
            "Whether you lead a company or a household, this book teaches {threat}.",
            "Drawing on research in {place}, {hero} offers {thing} for a better life.",
            "The essential handbook of {place}: {thing}, clear goals and lasting change.",
        ),
        subtitles=_words(
            "How to Build Better Habits|Simple Rules for a Focused Life|The Art of Getting Things "
            "Done|Lessons in Leadership|A Practical Guide to Success|Change Your Life in Ten "
            "Minutes a Day|Principles for Work and Life|The Secret of Lasting Motivation"
        ),
    ),
)
GENRE_NAMES = tuple(g.name for g in GENRES)

FIRST_NAMES = _words(
    "Anna|Ben|Clara|David|Elena|Felix|Grace|Henry|Iris|Jonah|Kate|Leo|Maya|Noah|Olive|Peter|"
    "Quinn|Rosa|Samuel|Tessa|Victor|Willa|Xavier|Yara|Zoe|Adrian|Beatrice|Caleb|Daphne|Elliot|"
    "Frances|Gideon|Hazel|Isaac|Juniper|Kieran|Lydia|Miles|Nora|Oscar|Phoebe|Rowan|Sylvia|"
    "Theo|Ursula|Vivian|Wesley|Amara|Bruno|Celeste|Dmitri|Esme|Farid|Greta|Hugo|Ines|Jasper|"
    "Kira|Lorenzo|Mira|Nikolai|Odette|Pablo|Ruth|Soren|Talia|Umar|Vera|Walter|Yusuf|Alma|"
    "Bianca|Cyrus|Delia|Emil|Flora|Gabriel|Helena|Ivo|June|Konrad|Lena|Marcus|Nadia|Otto|"
    "Priya|Rafael|Simone|Tobias|Una|Vincent|Wren|Ada|Basil|Cora|Desmond|Eva|Fern|Gus|Hana"
)
SURNAMES = _words(
    "Ashford|Blackwell|Calloway|Darrow|Ellery|Fairbanks|Galloway|Hartley|Ingram|Jessup|"
    "Kettering|Lockhart|Merriweather|Northcott|Oakley|Pemberton|Quill|Ravensworth|Sutherland|"
    "Thornbury|Underhill|Vance|Whitlock|Yardley|Abernathy|Birchwood|Carraway|Dunmore|Everly|"
    "Fenwick|Greyson|Holloway|Ives|Jennings|Kingsley|Langford|Marlow|Nettleton|Orwin|Prescott|"
    "Redfern|Sallow|Templeton|Upton|Vickery|Winslow|Ashby|Brightwater|Corwin|Delacroix|"
    "Eastwood|Farrow|Gable|Hawthorne|Islington|Jarrow|Kendrick|Lindqvist|Montague|Nakamura|"
    "Okafor|Petrov|Quintero|Rasmussen|Santoro|Takahashi|Umberto|Valdez|Wakefield|Yilmaz|"
    "Zielinski|Alvarez|Bergstrom|Castellano|Dubois|Eriksen|Fontaine|Gallagher|Haddad|Iverson|"
    "Jovanovic|Kowalski|Lindgren|Moreau|Novak|Oyelaran|Pereira|Rahman|Sokolov|Tanaka|Ulrich|"
    "Varga|Weatherby|Moss|Fielding|Crane|Hale|Rook|Sparrow|Finch|Marsh|Greaves|Pike|Stroud|"
    "Bellamy|Chandler|Darby|Emerson|Fletcher|Goodwin|Harlow|Keane|Lowell|Mercer|Nash|Pryce|"
    "Rhodes|Sterling|Tolliver|Wilder"
)
PUBLISHERS = _words(
    "Lanternlight Press (synthetic)|Owl & Acorn Books (synthetic)|Harbor Lane Publishing "
    "(synthetic)|Northwind House (synthetic)|Bluequill Editions (synthetic)|Stonebridge Books "
    "(synthetic)"
)
FORMATS = ("Paperback", "Hardcover", "Kindle Edition", "ebook", "Mass Market Paperback")
FICTION_TITLE_TEMPLATES = (
    "The {adj} {noun}",
    "The {noun} and the {noun2}",
    "{adj} {noun}",
    "The {noun}'s {noun2}",
    "{name} and the {adj} {noun}",
    "The {adj} {noun} and the {noun2}",
)
NONFICTION_TITLE_TEMPLATES = (
    "The {adj} {noun}",
    "The {adj} {noun}: {subtitle}",
    "{noun}: {subtitle}",
    "{adj} {noun}: {subtitle}",
    "The {noun} and the {noun2}: {subtitle}",
    "The {adj} {noun} and the {noun2}: {subtitle}",
)


@dataclass(frozen=True)
class DemoSummary:
    """What write_demo_dataset wrote."""

    folder: Path
    seed: int
    n_books: int  # rows of books_1.Best_Books_Ever.csv
    n_shard_books: int  # rows of the book*.csv shards (some also in Best Books Ever)
    n_shard_only_books: int
    n_rating_only_books: int  # named only by the rating files
    n_users: int
    n_users_without_ratings: int
    n_ratings: int
    files: tuple[Path, ...]

    def line(self) -> str:
        """The one-line summary the command prints."""
        return f"synthetic demo catalog in {self.folder}: {self.counts()}"

    def counts(self) -> str:
        """What was generated, without the folder (the same for a seed wherever written)."""
        return (
            f"generator v{GENERATOR_VERSION}, seed {self.seed}: {self.n_books} Best "
            f"Books Ever books, {self.n_shard_books} shard books ({self.n_shard_only_books} "
            f"only there), {self.n_rating_only_books} books named only by ratings; "
            f"{self.n_ratings} ratings by {self.n_users} users "
            f"({self.n_users_without_ratings} without ratings) in {len(self.files)} files"
        )


@dataclass
class _Catalog:
    """Every book of the demo world: latent model values and the text the files show."""

    genre: np.ndarray  # primary genre
    genre2: np.ndarray  # secondary genre, -1 for none
    quality: np.ndarray
    num_ratings: np.ndarray
    stars: np.ndarray  # (n, 5) Goodreads-wide counts of 1..5 stars
    author: np.ndarray
    goodreads_id: np.ndarray
    role: np.ndarray  # 0 Best Books Ever, 1 shard only, 2 ratings only
    in_shard: np.ndarray
    title: list[str]  # without series
    full_title: list[str]  # with the Goodreads series suffix, as shards and ratings show it
    series: list[str]  # Best Books Ever form "Name #3", "" for none
    description: list[str]
    characters: list[list[str]]
    places: list[list[str]]


def _check_args(n_books: int, n_users: int, seed: int, ratings_per_user) -> tuple[int, int]:
    for name, value in (("n_books", n_books), ("n_users", n_users), ("seed", seed)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ConfigError(f"{name} must be a whole number; got {value!r}")
    if n_books < MIN_BOOKS:
        raise ConfigError(f"the demo catalog needs at least {MIN_BOOKS} books; got {n_books}")
    if n_users < MIN_USERS:
        raise ConfigError(f"the demo catalog needs at least {MIN_USERS} users; got {n_users}")
    if seed < 0:
        raise ConfigError(f"seed must be zero or positive; got {seed}")
    if ratings_per_user is None:
        low, high = DEFAULT_RATINGS_PER_USER
        high = min(high, n_books // 2)
        low = min(low, high)
    else:
        try:
            low, high = (int(x) for x in ratings_per_user)
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"ratings_per_user must be a pair (low, high); got {ratings_per_user!r}"
            ) from exc
        if not 1 <= low <= high <= n_books // 2:
            raise ConfigError(
                f"ratings_per_user must satisfy 1 <= low <= high <= n_books / 2 = "
                f"{n_books // 2}; got ({low}, {high})"
            )
    return low, high


def _title_key(title: str) -> str:
    """Python twin of the SQL main_title_key macro, for the ASCII titles made here: the title
    before its subtitle, lower case, apostrophes dropped, other punctuation read as spaces."""
    main = title.split(":", 1)[0].lower().replace("'", "")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", main).split())


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _pick(options: tuple[str, ...], draw: int) -> str:
    return options[draw % len(options)]


def _make_title(genre: Genre, draws: np.ndarray, template: int) -> str:
    templates = FICTION_TITLE_TEMPLATES if genre.fiction else NONFICTION_TITLE_TEMPLATES
    noun = _pick(genre.nouns, draws[1])
    noun2 = genre.nouns[(draws[1] + 1 + draws[2] % (len(genre.nouns) - 1)) % len(genre.nouns)]
    return templates[template].format(
        adj=_pick(genre.adjectives, draws[0]),
        noun=noun,
        noun2=noun2,
        name=_pick(FIRST_NAMES, draws[3]),
        subtitle=_pick(genre.subtitles, draws[4]) if genre.subtitles else "",
    )


def _make_titles(rng: np.random.Generator, genre: np.ndarray) -> list[str]:
    """Titles from each book's genre words. The merge matches rating titles on the title key,
    then on the main title (before a subtitle): main titles are unique, so every rating title
    names its own book."""
    n = len(genre)
    titles = [""] * n
    taken: set[str] = set()
    todo = np.arange(n)
    for attempt in range(12):
        draws = rng.integers(0, 1 << 30, size=(len(todo), 5))
        # short templates first, the combinatorially large ones once short ones collide
        low = 0 if attempt < 2 else 3
        templates = rng.integers(low, 6, size=len(todo))
        left = []
        for k, i in enumerate(todo):
            title = _make_title(GENRES[genre[i]], draws[k], templates[k])
            key = _title_key(title)
            if key in taken:
                left.append(i)
            else:
                taken.add(key)
                titles[i] = title
        todo = np.array(left, dtype=np.int64)
        if not len(todo):
            break
    for i in todo:  # a huge catalog: number the rest, still unique
        base = _make_title(GENRES[genre[i]], rng.integers(0, 1 << 30, size=5), 0)
        k = 2
        while _title_key(f"{base} {k}") in taken:
            k += 1
        titles[i] = f"{base} {k}"
        taken.add(_title_key(titles[i]))
    return titles


def _sentence(genre: Genre, template: int, draws: np.ndarray, name: str) -> str:
    text = genre.sentences[template % len(genre.sentences)].format(
        hero=_pick(genre.heroes, draws[0]),
        place=_pick(genre.places, draws[1]),
        thing=_pick(genre.things, draws[2]),
        threat=_pick(genre.threats, draws[3]),
        name=name,
    )
    return text[0].upper() + text[1:]


def _make_descriptions(
    rng: np.random.Generator, genre: np.ndarray, genre2: np.ndarray
) -> tuple[list[str], list[list[str]], list[list[str]]]:
    """Two or three sentences of the primary genre, one of the secondary; named characters
    and settings as Best Books Ever lists them."""
    n = len(genre)
    draws = rng.integers(0, 1 << 30, size=(n, 3, 4))
    templates = rng.integers(0, 1 << 30, size=(n, 3))
    names = rng.integers(0, len(FIRST_NAMES), size=n)
    lengths = rng.integers(2, 4, size=n)
    descriptions, characters, places = [], [], []
    for i in range(n):
        g = GENRES[genre[i]]
        name = FIRST_NAMES[names[i]]
        first = templates[i, 0] % len(g.sentences)
        second = (first + 1 + templates[i, 1] % (len(g.sentences) - 1)) % len(g.sentences)
        parts = [_sentence(g, first, draws[i, 0], name), _sentence(g, second, draws[i, 1], name)]
        if genre2[i] >= 0:
            parts.append(_sentence(GENRES[genre2[i]], templates[i, 2], draws[i, 2], name))
        elif lengths[i] == 3:
            others = [t for t in range(len(g.sentences)) if t not in (first, second)]
            third = others[templates[i, 2] % len(others)]
            parts.append(_sentence(g, third, draws[i, 2], name))
        descriptions.append(" ".join(parts))
        used_name = any("{name}" in g.sentences[t % len(g.sentences)] for t in (first, second))
        characters.append([name] if g.fiction and used_name else [])
        places.append([_pick(g.places, draws[i, 0, 1])] if g.fiction else [])
    return descriptions, characters, places


def _make_authors(rng: np.random.Generator, n: int) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    initials = "ABCDEFGHJKLMNPRSTW"
    while len(names) < n:
        first = rng.integers(0, len(FIRST_NAMES), size=n)
        last = rng.integers(0, len(SURNAMES), size=n)
        middle = rng.integers(-len(initials), len(initials), size=n)
        for f, s, m in zip(first, last, middle, strict=True):
            mid = f" {initials[m]}." if m >= 0 else ""
            name = f"{FIRST_NAMES[f]}{mid} {SURNAMES[s]}"
            if name not in taken:
                taken.add(name)
                names.append(name)
                if len(names) == n:
                    break
    return names


def _star_probabilities(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """P(1..5 stars) when a rating is a rounded, clipped normal(mean, sd)."""
    cuts = np.array([1.5, 2.5, 3.5, 4.5])
    cdf = ndtr((cuts[None, :] - mean[:, None]) / sd[:, None])
    cdf = np.concatenate([np.zeros((len(mean), 1)), cdf, np.ones((len(mean), 1))], axis=1)
    probs = np.diff(cdf, axis=1)
    return probs / probs.sum(axis=1, keepdims=True)


def _make_catalog(
    rng: np.random.Generator, n_books: int, taste_mean: np.ndarray, genre_share: np.ndarray
) -> tuple[_Catalog, list[str], np.ndarray]:
    n_shard_only = max(1, round(SHARD_ONLY_SHARE * n_books))
    n_rating_only = max(1, round(RATING_ONLY_SHARE * n_books))
    n = n_books + n_shard_only + n_rating_only
    n_genres = len(GENRES)

    n_authors = max(n_genres, n // 4)
    author_names = _make_authors(rng, n_authors)
    author_genre = rng.choice(n_genres, size=n_authors, p=genre_share)
    author_weight = rng.lognormal(0.0, 1.0, size=n_authors)
    author_quality = rng.normal(0.0, AUTHOR_QUALITY_SD, size=n_authors)
    goodreads_author = rng.random(n_authors) < 0.3

    author = rng.choice(n_authors, size=n, p=author_weight / author_weight.sum())
    genre = np.where(
        rng.random(n) < 0.85, author_genre[author], rng.choice(n_genres, size=n, p=genre_share)
    )
    genre2 = np.where(
        rng.random(n) < SECONDARY_GENRE_SHARE,
        (genre + rng.integers(1, n_genres, size=n)) % n_genres,
        -1,
    )
    quality = author_quality[author] + rng.normal(0.0, BOOK_QUALITY_SD, size=n)
    log_popularity = rng.normal(0.0, 1.2, size=n) + 1.5 * quality
    num_ratings = np.maximum(5, np.round(np.exp(6.5 + log_popularity))).astype(np.int64)

    # Goodreads-wide stars: the rating model averaged over every reader (taste drawn anew).
    weights = np.where(genre2 >= 0, 2 / 3, 1.0)
    taste_at = taste_mean[genre] * weights + np.where(genre2 >= 0, taste_mean[genre2] / 3, 0.0)
    spread = np.sqrt(
        USER_BIAS_SD**2 + NOISE_SD**2 + TASTE_SD**2 * (weights**2 + (1 - weights) ** 2)
    )
    probs = _star_probabilities(BASE_RATING + quality + taste_at, spread)
    stars = rng.multinomial(num_ratings, probs)

    role = np.repeat(np.array([0, 1, 2]), [n_books, n_shard_only, n_rating_only])
    rng.shuffle(role)
    in_shard = (role == 1) | ((role == 0) & (rng.random(n) < SHARD_SHARE))
    goodreads_id = rng.permutation(np.cumsum(rng.integers(1, 6, size=n)))

    titles = _make_titles(rng, genre)
    series, full_titles = _make_series(rng, titles, author, genre)
    descriptions, characters, places = _make_descriptions(rng, genre, genre2)
    catalog = _Catalog(
        genre=genre,
        genre2=genre2,
        quality=quality,
        num_ratings=num_ratings,
        stars=stars,
        author=author,
        goodreads_id=goodreads_id,
        role=role,
        in_shard=in_shard,
        title=titles,
        full_title=full_titles,
        series=series,
        description=descriptions,
        characters=characters,
        places=places,
    )
    return catalog, author_names, goodreads_author


def _make_series(
    rng: np.random.Generator, titles: list[str], author: np.ndarray, genre: np.ndarray
) -> tuple[list[str], list[str]]:
    """Some authors write their fiction books of one genre as a numbered series."""
    series = [""] * len(titles)
    full = list(titles)
    order = np.lexsort((np.arange(len(author)), genre, author))
    starts = np.flatnonzero(
        np.r_[True, (np.diff(author[order]) != 0) | (np.diff(genre[order]) != 0)]
    )
    ends = np.r_[starts[1:], len(order)]
    draws = rng.random(len(starts))
    words = rng.integers(0, 1 << 30, size=len(starts))
    for start, end, draw, word in zip(starts, ends, draws, words, strict=True):
        g = GENRES[genre[order[start]]]
        if end - start < 2 or draw > 0.4 or not g.fiction:
            continue
        first_title = titles[order[start]]
        name = f"{_pick(g.places, word).removeprefix('the ').title()} {g.series_word}"
        if len(first_title) < 30 and word % 3 == 0:
            name = f"{first_title.removeprefix('The ')} {g.series_word}"
        for number, i in enumerate(order[start : min(end, start + 7)], start=1):
            series[i] = f"{name} #{number}"
            full[i] = f"{titles[i]} ({name}, #{number})"
    return series, full


def _make_users(
    rng: np.random.Generator, n_users: int, low: int, high: int, taste_mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per user: genre tastes (n_users, n_genres), a rating bias, and how many books they rate."""
    taste = taste_mean[None, :] + rng.normal(0.0, TASTE_SD, size=(n_users, len(GENRES)))
    bias = rng.normal(0.0, USER_BIAS_SD, size=n_users)
    counts = rng.integers(low, high + 1, size=n_users)
    counts[rng.random(n_users) < NO_RATING_USER_SHARE] = 0
    return taste, bias, counts


def _make_ratings(
    rng: np.random.Generator,
    catalog: _Catalog,
    taste: np.ndarray,
    bias: np.ndarray,
    counts: np.ndarray,
    genre_share: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Who rated what and how: (user, book, stars) arrays, grouped by user, vectorized.

    Each draw picks a genre (softmax of the user's taste, weighted by the genre's size) and then
    a book of that genre in proportion to its popularity; repeated books are dropped and each
    user keeps at most their count.
    """
    n_users, n_genres = taste.shape
    # draws per user in proportion to their count, plus slack for duplicates
    per_user = np.ceil(counts * 1.3).astype(np.int64) + (counts > 0)
    user = np.repeat(np.arange(n_users), per_user)
    n_draws = len(user)

    logits = GENRE_CHOICE_STRENGTH * taste + np.log(genre_share)[None, :]
    genre_p = np.exp(logits - logits.max(axis=1, keepdims=True))
    genre_cdf = np.cumsum(genre_p / genre_p.sum(axis=1, keepdims=True), axis=1)
    genre_cdf[:, -1] = 1.0
    u = rng.random(n_draws)
    genre = (genre_cdf[user] < u[:, None]).sum(axis=1)

    # One concatenated popularity CDF: genre g's books occupy (g, g + 1].
    by_genre = np.argsort(catalog.genre, kind="stable")
    sorted_genre = catalog.genre[by_genre]
    weight = catalog.num_ratings[by_genre].astype(np.float64) ** 0.8
    totals = np.bincount(sorted_genre, weights=weight, minlength=n_genres)
    cum = np.cumsum(weight)
    starts = np.r_[0.0, np.cumsum(totals)[:-1]]
    cdf = sorted_genre + (cum - starts[sorted_genre]) / totals[sorted_genre]
    empty = totals == 0
    genre = np.where(empty[genre], sorted_genre[rng.integers(0, len(by_genre), n_draws)], genre)
    position = np.searchsorted(cdf, genre + rng.random(n_draws) * (1 - 1e-12), side="left")
    book = by_genre[np.minimum(position, len(by_genre) - 1)]

    # Drop repeated (user, book) pairs, keep a random subset of each user's count.
    priority = rng.random(n_draws)
    order = np.lexsort((priority, user))
    user, book = user[order], book[order]
    key = user.astype(np.int64) * len(catalog.genre) + book
    _, first = np.unique(key, return_index=True)
    keep = np.zeros(n_draws, dtype=bool)
    keep[first] = True
    user, book = user[keep], book[keep]
    group_start = np.searchsorted(user, np.arange(n_users))
    rank = np.arange(len(user)) - group_start[user]
    keep = rank < counts[user]
    user, book = user[keep], book[keep]

    weights = np.where(catalog.genre2[book] >= 0, 2 / 3, 1.0)
    affinity = weights * taste[user, catalog.genre[book]] + np.where(
        catalog.genre2[book] >= 0, taste[user, np.maximum(catalog.genre2[book], 0)] / 3, 0.0
    )
    latent = (
        BASE_RATING
        + catalog.quality[book]
        + bias[user]
        + affinity
        + rng.normal(0.0, NOISE_SD, size=len(user))
    )
    stars = np.clip(np.rint(latent), 1, 5).astype(np.int8)
    return user, book, stars


def _quoted(values: pd.Series) -> pd.Series:
    return '"' + values.str.replace('"', '""', regex=False) + '"'


def _garbled(text: str, garble: bool) -> str:
    """Some real Best Books Ever copies carry UTF-8 read as cp1252 ("cafÃ©" for "café")."""
    if not garble or text.isascii():
        return text
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _list_texts(items: list[list[str]]) -> list[str]:
    return [repr(list(x)) for x in items]


def _write_best_books_ever(
    path: Path,
    rng: np.random.Generator,
    catalog: _Catalog,
    author_names: list[str],
    goodreads_author: np.ndarray,
) -> int:
    """books_1.Best_Books_Ever.csv: every name quoted but the first and last, like the original."""
    rows = np.flatnonzero(catalog.role == 0)
    rows = rows[np.argsort(-catalog.num_ratings[rows], kind="stable")]  # the list's own order
    n = len(rows)
    stars = catalog.stars[rows]
    num = catalog.num_ratings[rows]
    avg = stars @ np.arange(1, 6) / num
    authors = []
    coauthor = rng.random(n) < 0.08
    illustrator = rng.integers(0, len(SURNAMES), size=n)
    for k, i in enumerate(rows):
        a = catalog.author[i]
        name = author_names[a] + (" (Goodreads Author)" if goodreads_author[a] else "")
        if coauthor[k]:
            role = "Illustrator" if GENRES[catalog.genre[i]].name == "Children's" else "Editor"
            name += f", {FIRST_NAMES[illustrator[k] % len(FIRST_NAMES)]} "
            name += f"{SURNAMES[illustrator[k]]} ({role})"
        authors.append(name)
    genres_lists = []
    tag_draws = rng.integers(0, 1 << 30, size=(n, 4))
    for k, i in enumerate(rows):
        g = GENRES[catalog.genre[i]]
        extra = [g.tags[1 + (tag_draws[k, j] % (len(g.tags) - 1))] for j in range(2)]
        # non-fiction shelves start with 'Nonfiction', then the genre's own ('Science', ...)
        tags = [g.tags[0], *extra] if g.fiction else [g.tags[0], g.tags[1], *extra]
        if catalog.genre2[i] >= 0:
            tags.append(GENRES[catalog.genre2[i]].tags[0])
        if tag_draws[k, 3] % 2:
            tags.append(g.tags[1 + (tag_draws[k, 3] % (len(g.tags) - 1))])
        genres_lists.append(list(dict.fromkeys(tags)))
    has_description = rng.random(n) < 0.94
    mojibake = rng.random(n) < 0.3
    awarded = rng.random(n) < 0.04
    award_year = rng.integers(1990, 2021, size=n)
    awards = []
    for k, i in enumerate(rows):
        if not awarded[k]:
            awards.append([])
            continue
        genre_name = GENRES[catalog.genre[i]].name
        awards.append(
            [
                f"Synthetic Demo Prize for {genre_name} Nominee ({award_year[k]})",
                f"Demo Readers' Choice Award ({award_year[k] + 1})",
            ][: 1 + (award_year[k] % 2)]
        )
    year = rng.integers(1950, 2021, size=n)
    month = rng.integers(1, 13, size=n)
    day = rng.integers(1, 29, size=n)
    first_year = year - rng.integers(0, 40, size=n) * (rng.random(n) < 0.3)
    pages = np.clip(rng.normal(340, 110, size=n), 24, 1400).astype(int)
    childrens = np.array([GENRES[catalog.genre[i]].name == "Children's" for i in rows])
    pages = np.where(childrens, np.clip(pages // 5, 24, 300), pages)
    isbn = np.where(
        rng.random(n) < 0.15,
        "9999999999999",
        pd.Series(rng.integers(0, 10**8, size=n)).map("97800{:08d}".format).to_numpy(),
    )
    price = rng.random(n)
    liked = np.rint(100 * stars[:, 2:].sum(axis=1) / num).astype(int)
    columns = {
        "bookId": [f"{catalog.goodreads_id[i]}-{_slug(catalog.title[i])}" for i in rows],
        "title": [catalog.title[i] for i in rows],
        "series": [catalog.series[i] for i in rows],
        "author": authors,
        "rating": [f"{x:.2f}" for x in avg],
        "description": [
            _garbled(catalog.description[i], mojibake[k]) if has_description[k] else ""
            for k, i in enumerate(rows)
        ],
        "language": ["English"] * n,
        "isbn": list(isbn),
        "genres": _list_texts(genres_lists),
        "characters": _list_texts([catalog.characters[i] for i in rows]),
        "bookFormat": [FORMATS[x] for x in rng.integers(0, len(FORMATS), size=n)],
        "edition": ["First Edition" if x < 0.05 else "" for x in rng.random(n)],
        "pages": [str(x) for x in pages],
        "publisher": [PUBLISHERS[x] for x in rng.integers(0, len(PUBLISHERS), size=n)],
        "publishDate": [
            f"{m:02d}/{d:02d}/{y % 100:02d}" for m, d, y in zip(month, day, year, strict=True)
        ],
        "firstPublishDate": [
            f"{m:02d}/{d:02d}/{f % 100:02d}" if f != y else ""
            for m, d, y, f in zip(month, day, year, first_year, strict=True)
        ],
        "awards": _list_texts(awards),
        "numRatings": [str(x) for x in num],
        "ratingsByStars": _list_texts([[str(c) for c in s[::-1]] for s in stars]),
        "likedPercent": [str(x) for x in liked],
        "setting": _list_texts([catalog.places[i] for i in rows]),
        "coverImg": [""] * n,
        "bbeScore": [str(x) for x in np.rint(np.sqrt(num) * 40).astype(int)],
        "bbeVotes": [str(x) for x in np.rint(np.sqrt(num) / 2).astype(int) + 1],
        "price": ["" if x < 0.3 else f"{1 + 20 * x:.2f}" for x in price],
    }
    frame = pd.DataFrame(columns)
    middle = [_quoted(frame[c]) for c in BBE_COLUMNS[1:-1]]
    lines = frame["bookId"].str.cat([*middle, frame["price"]], sep=",")
    header = ",".join([BBE_COLUMNS[0], *(f'"{c}"' for c in BBE_COLUMNS[1:-1]), BBE_COLUMNS[-1]])
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(header + "\n")
        handle.write("\n".join(lines) + "\n")
    return n


def _write_shards(
    folder: Path, rng: np.random.Generator, catalog: _Catalog, author_names: list[str]
) -> tuple[list[Path], int]:
    """book1-100k.csv and book100k-200k.csv, in the two column orders of the originals; the
    second one has the Description column. Counts are a later scrape than Best Books Ever."""
    rows = np.flatnonzero(catalog.in_shard)
    rows = rows[np.argsort(catalog.goodreads_id[rows])]
    n = len(rows)
    scrape = rng.uniform(0.85, 1.0, size=n)
    stars = np.where(
        (catalog.role[rows] == 0)[:, None],
        rng.binomial(catalog.stars[rows], scrape[:, None]),
        catalog.stars[rows],
    )
    total = np.maximum(stars.sum(axis=1), 1)
    avg = stars @ np.arange(1, 6) / total
    reviews = np.rint(total * rng.uniform(0.02, 0.08, size=n)).astype(int)
    year = rng.integers(1950, 2021, size=n)
    described = rng.random(n) < 0.7
    frame = pd.DataFrame(
        {
            "Id": catalog.goodreads_id[rows],
            "Name": [catalog.full_title[i] for i in rows],
            "pagesNumber": np.clip(rng.normal(320, 100, size=n), 24, 1400).astype(int),
            "RatingDistTotal": [f"total:{x}" for x in total],
            "PublishMonth": rng.integers(1, 13, size=n),
            "PublishDay": rng.integers(1, 29, size=n),
            "Publisher": [PUBLISHERS[x] for x in rng.integers(0, len(PUBLISHERS), size=n)],
            "CountsOfReview": reviews,
            "PublishYear": year,
            "Language": "eng",
            "Authors": [author_names[catalog.author[i]] for i in rows],
            "Rating": [f"{x:.2f}" for x in avg],
            "ISBN": [f"{x:010d}" for x in rng.integers(0, 10**9, size=n)],
            "Description": [
                catalog.description[i] if described[k] else "" for k, i in enumerate(rows)
            ],
            "Count of text reviews": reviews,
        }
    )
    for stars_count in range(1, 6):
        frame[f"RatingDist{stars_count}"] = [
            f"{stars_count}:{x}" for x in stars[:, stars_count - 1]
        ]
    split = int(round(0.6 * n))
    paths = [folder / "book1-100k.csv", folder / "book100k-200k.csv"]
    frame.iloc[:split][list(SHARD1_COLUMNS)].to_csv(paths[0], index=False, lineterminator="\n")
    frame.iloc[split:][list(SHARD2_COLUMNS)].to_csv(paths[1], index=False, lineterminator="\n")
    return paths, n


def _write_ratings(
    folder: Path,
    rng: np.random.Generator,
    catalog: _Catalog,
    user: np.ndarray,
    book: np.ndarray,
    stars: np.ndarray,
    counts: np.ndarray,
) -> list[Path]:
    """user_rating_<a>_to_<b>.csv: ID,Name,Rating with CRLF line ends, one file per id range."""
    n_users = len(counts)
    names = np.array(catalog.full_title, dtype=object)
    # A few books of Best Books Ever alone are rated under a subtitled title, as on Goodreads.
    subtitled = (
        (catalog.role == 0)
        & ~catalog.in_shard
        & (rng.random(len(names)) < 0.02)
        & np.array(
            [GENRES[g].fiction and ":" not in t for g, t in zip(catalog.genre, names, strict=True)]
        )
    )
    names[subtitled] = [f"{t}: A Novel" for t in names[subtitled]]
    texts = np.array([""] + [STAR_TEXTS[s] for s in range(1, 6)], dtype=object)
    silent = np.flatnonzero(counts == 0)
    ids = np.concatenate([user, silent])
    name_column = np.concatenate([names[book], np.full(len(silent), "Rating", dtype=object)])
    rating_column = np.concatenate(
        [texts[stars], np.full(len(silent), NO_RATING_TEXT, dtype=object)]
    )
    order = np.argsort(ids, kind="stable")
    frame = pd.DataFrame(
        {"ID": ids[order], "Name": name_column[order], "Rating": rating_column[order]}
    )
    per_file = USERS_PER_FILE if n_users >= 3 * USERS_PER_FILE else -(-n_users // 30) * 10
    bounds = np.searchsorted(frame["ID"].to_numpy(), np.arange(0, n_users + per_file, per_file))
    paths = []
    for k in range(len(bounds) - 1):
        low, high = k * per_file, (k + 1) * per_file
        path = folder / f"user_rating_{low}_to_{high}.csv"
        part = frame.iloc[bounds[k] : bounds[k + 1]]
        if len(part):
            part.to_csv(path, index=False, lineterminator="\r\n")
            paths.append(path)
    return paths


def _prepare_folder(folder: Path) -> Path:
    """A fresh temporary sibling of folder; refuses a folder that holds someone else's files."""
    if folder.exists():
        if not folder.is_dir():
            raise ConfigError(f"{folder} exists and is not a folder")
        if any(folder.iterdir()) and not (folder / MARKER).exists():
            raise ConfigError(
                f"{folder} is not empty and holds no demo catalog ({MARKER} missing); "
                "choose an empty or new folder"
            )
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    (work / "best_books_dataset").mkdir(parents=True)
    (work / "all_books_dataset").mkdir(parents=True)
    return work


def _readme(summary_line: str) -> str:
    return (
        "SYNTHETIC DATA: the bookrec demo catalog.\n\n"
        "Every book, author, description, id and rating in this folder was generated by\n"
        "`python -m bookrec.demo` from word lists and a seeded random model. None of it\n"
        "describes a real book or a real reader. The files imitate the layouts of the Kaggle\n"
        'datasets "Best Books Ever" and "Goodreads Book Datasets With User Rating" so that\n'
        "bookrec can run end to end without a download.\n\n"
        f"{summary_line}\n"
    )


def write_demo_dataset(
    folder: Path,
    n_books: int,
    n_users: int,
    seed: int,
    ratings_per_user: tuple[int, int] | None = None,
) -> DemoSummary:
    """Write the synthetic demo catalog in the exact layouts of the original Kaggle files.

    Writes `best_books_dataset/books_1.Best_Books_Ever.csv`, `all_books_dataset/book1-100k.csv`,
    `all_books_dataset/book100k-200k.csv`, `all_books_dataset/user_rating_<a>_to_<b>.csv` and a
    README saying the data are synthetic. The same arguments give the same bytes. The folder is
    written whole or not at all (built beside it, then renamed).

    Args:
        folder: where to write; must be new, empty or an earlier demo catalog (replaced).
        n_books: rows of the Best Books Ever file (at least 50); the shards add 6% more books
            and the rating files name 3% more that no book file describes.
        n_users: users of the rating files (at least 10); about 2% of them rate nothing.
        seed: seed of the random generator.
        ratings_per_user: (low, high) bounds of each user's number of ratings, drawn uniformly;
            default (20, 180), the upper bound capped at n_books / 2.

    Returns:
        A DemoSummary of the counts and files written.

    Raises:
        ConfigError: a size or seed out of range, or a folder holding other files.
    """
    low, high = _check_args(n_books, n_users, seed, ratings_per_user)
    folder = Path(folder)
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    genre_share = rng.dirichlet(np.full(len(GENRES), 8.0))
    taste_mean = rng.normal(0.0, 0.15, size=len(GENRES))
    catalog, author_names, goodreads_author = _make_catalog(rng, n_books, taste_mean, genre_share)
    taste, bias, counts = _make_users(rng, n_users, low, high, taste_mean)
    user, book, stars = _make_ratings(rng, catalog, taste, bias, counts, genre_share)

    work = _prepare_folder(folder)
    try:
        bbe = work / "best_books_dataset" / "books_1.Best_Books_Ever.csv"
        n_bbe = _write_best_books_ever(bbe, rng, catalog, author_names, goodreads_author)
        shards, n_shard = _write_shards(work / "all_books_dataset", rng, catalog, author_names)
        rating_files = _write_ratings(
            work / "all_books_dataset", rng, catalog, user, book, stars, counts
        )
        files = [bbe, *shards, *rating_files]
        summary = DemoSummary(
            folder=folder,
            seed=seed,
            n_books=n_bbe,
            n_shard_books=n_shard,
            n_shard_only_books=int((catalog.role == 1).sum()),
            n_rating_only_books=int((catalog.role == 2).sum()),
            n_users=n_users,
            n_users_without_ratings=int((counts == 0).sum()),
            n_ratings=len(user),
            files=tuple(folder / f.relative_to(work) for f in files),
        )
        (work / MARKER).write_text(_readme(summary.counts()), encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        work.rename(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    log.info("%s (%.1f s)", summary.line(), time.perf_counter() - started)
    return summary


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bookrec.demo",
        description="Write the synthetic demo catalog: made-up books and ratings in the exact "
        "layouts of the Kaggle Goodreads files (Best Books Ever, book*.csv shards, "
        "user_rating_*.csv), ready for `python -m flows.prepare_data --data-dir DIR`.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write (new or empty)")
    parser.add_argument("--books", type=int, default=2000, help="books in Best Books Ever")
    parser.add_argument("--users", type=int, default=300, help="users in the rating files")
    parser.add_argument("--seed", type=int, default=7, help="random seed (same seed, same files)")
    parser.add_argument(
        "--ratings-per-user",
        type=int,
        nargs=2,
        metavar=("LOW", "HIGH"),
        default=None,
        help="bounds of each user's number of ratings (default 20 180, capped at books / 2)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        started = time.perf_counter()
        summary = write_demo_dataset(
            args.out, args.books, args.users, args.seed, args.ratings_per_user
        )
    except BookrecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{summary.line()} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
