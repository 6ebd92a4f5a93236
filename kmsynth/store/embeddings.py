"""Embeddings kept in the store, keyed by (model id, sha256 of the text)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kmsynth.store.core import arrow_table


class EmbeddingsMixin:
    """Stored vectors (a part of `Store`)."""

    @staticmethod
    def _texts(texts: Sequence[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {"i": np.arange(len(texts)), "t": pd.array([str(t) for t in texts], dtype="string")}
        )

    def missing_embeddings(self, model_id: str, texts: Sequence[str]) -> list[str]:
        """The distinct texts (first-seen order) with no stored vector for `model_id`."""
        uniq = list(dict.fromkeys(str(t) for t in texts))
        if not uniq:
            return []
        with self._read() as con:
            con.register("_t", self._texts(uniq))
            try:
                got = con.execute(
                    "SELECT i FROM _t WHERE sha256(t) NOT IN (SELECT text_sha256 FROM embeddings "
                    "WHERE model_id = ?) ORDER BY i",
                    [model_id],
                ).fetchnumpy()["i"]
            finally:
                con.unregister("_t")
        return [uniq[int(i)] for i in got]

    def put_embeddings(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> int:
        """Store vectors for texts (keyed by sha256 of the text); known ones are left as they are.
        Returns how many were added."""
        import pyarrow as pa

        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(f"{len(texts)} texts but vectors of shape {vectors.shape}")
        n, dim = vectors.shape
        if n == 0:
            return 0
        big = (n + 1) * dim >= 2**31
        offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int64 if big else np.int32))
        arr = (pa.LargeListArray if big else pa.ListArray).from_arrays(
            offsets, pa.array(vectors.reshape(-1))
        )
        tbl = pa.table(
            {
                "i": pa.array(np.arange(n)),
                "t": pa.array([str(t) for t in texts], pa.string()),
                "vector": arr,
            }
        )
        with self._write() as con:
            con.register("_emb", tbl)
            try:
                # the first vector of a text repeated in `texts` wins; known texts are skipped
                n_new = con.execute(
                    """
                    INSERT INTO embeddings
                    SELECT ? AS model_id, k AS text_sha256, vector FROM (
                        SELECT sha256(t) AS k, vector FROM _emb
                        QUALIFY row_number() OVER (PARTITION BY sha256(t) ORDER BY i) = 1)
                    WHERE k NOT IN (SELECT text_sha256 FROM embeddings WHERE model_id = ?)""",
                    [model_id, model_id],
                ).fetchall()[0][0]
            finally:
                con.unregister("_emb")
        return int(n_new)

    def get_embeddings(self, model_id: str, texts: Sequence[str]) -> np.ndarray:
        """Stored vectors for `texts`, one row each in order; KeyError if any is missing."""
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        with self._read() as con:
            con.register("_t", self._texts(texts))
            try:
                tbl = arrow_table(
                    con,
                    "SELECT _t.i, e.vector FROM _t JOIN embeddings e ON e.model_id = ? "
                    "AND e.text_sha256 = sha256(_t.t) ORDER BY _t.i",
                    [model_id],
                )
            finally:
                con.unregister("_t")
        if tbl.num_rows < len(texts):
            found = set(tbl.column("i").to_pylist())
            missing = len({str(t) for j, t in enumerate(texts) if j not in found})
            raise KeyError(f"{missing} text(s) have no stored {model_id} embedding")
        vec = tbl.column("vector").combine_chunks()
        flat = vec.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        return flat.reshape(len(texts), -1)

    # -- themes --------------------------------------------------------------------------------
