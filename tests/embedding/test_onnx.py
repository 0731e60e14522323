"""The ONNX Runtime encoders (fp32 and int8) against torch, their export cache, their vector cache.

All with the real packaged all-MiniLM-L6-v2: the export, the fusions and the quantisation are
the real ones (exported once into the user's cache, ~/.cache/bookrec, as in use; the cache's own
test exports into a temporary folder).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bookrec.config import EncoderConfig, default_model
from bookrec.embedding.encoder import Encoder, model_id_of, resolve_runtime
from bookrec.embedding.onnx_model import ExportSettings, export_key
from bookrec.embedding.store import embed_books
from bookrec.errors import ConfigError
from bookrec.warehouse.connection import connect

# Book texts as sql/embed/01_feat_book_texts.sql builds them: title-only books, a title and
# genres, and descriptions of a few sentences, in several languages.
TEXTS = [
    "The Hobbit by J.R.R. Tolkien. Genres: Fantasy, Classics, Adventure. Bilbo Baggins is a "
    "hobbit who enjoys a comfortable life, until the wizard Gandalf and thirteen dwarves take "
    "him on a quest to win back a treasure guarded by the dragon Smaug.",
    "Pride and Prejudice by Jane Austen. Genres: Classics, Romance, Fiction. Elizabeth Bennet "
    "meets the proud Mr. Darcy, and first impressions prove hard to undo.",
    "Murder on the Orient Express by Agatha Christie. Genres: Mystery, Crime. A passenger is "
    "found stabbed in his compartment and Hercule Poirot must find the killer before the "
    "snowbound train moves again.",
    "Dune by Frank Herbert. Genres: Science Fiction, Classics. On the desert planet Arrakis a "
    "noble family is betrayed, and their son becomes the leader of the desert people.",
    "The Very Hungry Caterpillar by Eric Carle. Genres: Childrens, Picture Books.",
    "Sapiens: A Brief History of Humankind by Yuval Noah Harari. Genres: Nonfiction, History, "
    "Science. How an insignificant ape came to rule the planet: the cognitive, agricultural "
    "and scientific revolutions.",
    "Le Petit Prince",
    "Harry Potter and the Chamber of Secrets (Harry Potter, #2)",
    "The Girl with the Dragon Tattoo by Stieg Larsson. Genres: Mystery, Thriller, Crime.",
    "Gone Girl by Gillian Flynn. Genres: Thriller, Mystery, Fiction, Suspense. On their fifth "
    "wedding anniversary Nick's wife Amy disappears, and the police suspect him.",
    "A Brief History of Time by Stephen Hawking. Genres: Science, Physics, Nonfiction. From "
    "the big bang to black holes, the nature of time and the universe explained.",
    "Cien años de soledad by Gabriel García Márquez. Genres: Fiction, Magical Realism. La "
    "historia de la familia Buendía a lo largo de siete generaciones en Macondo.",
    "Преступление и наказание by Фёдор Достоевский. Genres: Classics, Russian Literature.",
    "The Joy of Cooking by Irma S. Rombauer. Genres: Cookbooks, Food, Reference.",
    "Watchmen by Alan Moore. Genres: Graphic Novels, Comics, Science Fiction.",
    "The 7 Habits of Highly Effective People by Stephen R. Covey. Genres: Self Help, Business.",
    "Twilight (Twilight, #1)",
    "The Road by Cormac McCarthy. Genres: Fiction, Post Apocalyptic. A father and his son walk "
    "alone through burned America, carrying only a pistol and the clothes on their backs.",
    "Where the Wild Things Are by Maurice Sendak. Genres: Childrens, Picture Books, Fantasy. "
    "Max is sent to bed without supper and sails to the land of the wild things.",
    "Steve Jobs by Walter Isaacson. Genres: Biography, Nonfiction, Business, Technology.",
    "1984 by George Orwell. Genres: Classics, Fiction, Dystopia, Science Fiction. Winston "
    "Smith works at the Ministry of Truth and begins to doubt the Party.",
    "Outlander (Outlander, #1) by Diana Gabaldon. Genres: Historical Fiction, Romance, "
    "Fantasy, Time Travel. A nurse from 1945 is swept back to Scotland in 1743.",
    "The Art of War by Sun Tzu. Genres: Philosophy, History, Classics, Business.",
    "Goodnight Moon",
    "It by Stephen King. Genres: Horror, Fiction, Thriller. In the town of Derry seven children "
    "face an evil that takes the shape of their worst fears. " * 4,
    "The Hunger Games by Suzanne Collins. Genres: Young Adult, Dystopia, Fiction. Katniss "
    "volunteers in her sister's place for a televised fight to the death.",
    "Meditations by Marcus Aurelius. Genres: Philosophy, Classics, Nonfiction.",
    "Kafka on the Shore by Haruki Murakami. Genres: Fiction, Magical Realism, Japan.",
    "The Lean Startup by Eric Ries. Genres: Business, Entrepreneurship, Nonfiction.",
    "Anne of Green Gables (Anne of Green Gables, #1) by L.M. Montgomery. Genres: Classics, "
    "Childrens. An orphan girl is sent by mistake to an elderly brother and sister on Prince "
    "Edward Island.",
    "War and Peace",
    "Good Omens by Terry Pratchett, Neil Gaiman. Genres: Fantasy, Humor, Fiction.",
]


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return Encoder.load(EncoderConfig(runtime="torch", device="cpu")).encode(TEXTS)


@pytest.mark.parametrize(
    ("runtime", "mean_bar", "min_bar"),
    [("onnx", 0.9999, 0.9999), ("onnx-int8", 0.99, 0.97)],
)
def test_onnx_vectors_stay_within_the_bar_of_torch(
    torch_vectors: np.ndarray, runtime: str, mean_bar: float, min_bar: float
) -> None:
    encoder = Encoder.load(EncoderConfig(runtime=runtime))
    vectors = encoder.encode(TEXTS)
    assert (encoder.runtime, encoder.device) == (runtime, "cpu")
    assert vectors.shape == torch_vectors.shape and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(vectors * torch_vectors, axis=1)
    assert cosine.mean() >= mean_bar, cosine
    assert cosine.min() >= min_bar, cosine
    if runtime == "onnx-int8":
        assert cosine.mean() < 0.9999  # the int8 graph really ran, not a second fp32 one


def test_int8_keeps_the_order_of_book_similarities(torch_vectors: np.ndarray) -> None:
    """What the product uses: which books are closer than which (Spearman of every pair's
    cosine, 496 pairs) and how close (each cosine within 0.1)."""
    from scipy.stats import spearmanr

    vectors = Encoder.load(EncoderConfig(runtime="onnx-int8")).encode(TEXTS)
    pairs = np.triu_indices(len(TEXTS), 1)
    ours, reference = (vectors @ vectors.T)[pairs], (torch_vectors @ torch_vectors.T)[pairs]
    assert spearmanr(ours, reference).statistic >= 0.97
    assert np.abs(ours - reference).max() < 0.1


def test_the_export_is_cached_by_content_and_a_later_load_reuses_it(tmp_path: Path) -> None:
    first = Encoder.load(EncoderConfig(runtime="onnx", cache_dir=tmp_path))
    folders = list((tmp_path / "onnx").iterdir())
    assert [f.name for f in folders] == [first.model.path.parent.name]  # no temporary left
    assert folders[0].name.startswith("all-MiniLM-L6-v2-fp32-")
    model_file = folders[0] / "model.onnx"
    before = model_file.stat()

    again = Encoder.load(EncoderConfig(runtime="onnx", cache_dir=tmp_path))
    assert again.model.path == model_file
    after = model_file.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    np.testing.assert_array_equal(again.encode(TEXTS[:3]), first.encode(TEXTS[:3]))

    other = ExportSettings(precision="int8")
    assert export_key(Path(default_model()), other) != export_key(
        Path(default_model()), ExportSettings(precision="fp32")
    )


def test_each_runtime_caches_its_vectors_apart(tiny_warehouse: Path) -> None:
    torch_counts = embed_books(tiny_warehouse, EncoderConfig(runtime="torch"), progress=False)
    int8_counts = embed_books(tiny_warehouse, EncoderConfig(runtime="onnx-int8"), progress=False)
    assert int8_counts.encoded == 10  # nothing taken from torch's cached vectors
    assert int8_counts.model == torch_counts.model + "/onnx-int8"
    with connect(tiny_warehouse, read_only=True) as con:
        per_model = dict(
            con.execute("select model, count(*) from embedding_cache group by model").fetchall()
        )
        served = con.execute("select distinct model from feat_book_embeddings").fetchall()
    assert per_model == {torch_counts.model: 10, int8_counts.model: 10}
    assert served == [(int8_counts.model,)]

    back = embed_books(tiny_warehouse, EncoderConfig(runtime="torch"), progress=False)
    assert (back.encoded, back.reused, back.model) == (0, 10, torch_counts.model)


def test_model_ids_name_the_runtime_and_auto_is_int8_on_a_cpu() -> None:
    ids = {runtime: model_id_of(EncoderConfig(runtime=runtime)) for runtime in ("torch", "onnx")}
    int8 = model_id_of(EncoderConfig(runtime="onnx-int8"))
    assert ids["onnx"] == ids["torch"] + "/onnx" and int8 == ids["torch"] + "/onnx-int8"
    assert resolve_runtime(EncoderConfig(device="cpu")) == "onnx-int8"
    assert model_id_of(EncoderConfig(device="cpu")) == int8


def test_onnx_on_cuda_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--runtime torch"):
        EncoderConfig(runtime="onnx-int8", device="cuda")
    with pytest.raises(ConfigError, match="runtime must be one of"):
        EncoderConfig(runtime="tensorrt")
