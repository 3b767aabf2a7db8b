"""Word statistics and a link graph over a small synthetic corpus.

Run it:            python examples/text_stats.py
"""

from __future__ import annotations

import random
import time

STOP_WORDS = ["the", "a", "an", "and", "or", "of", "to", "in", "is", "it"]
VOCABULARY = "the a an and or of to in is it fast slow code loop list dict set python".split()


def tokenize(text):
    words = []
    for word in text.lower().split():
        words.append(word.strip(".,;:!?"))
    return words


def content_words(words):
    kept = []
    for word in words:
        if word not in STOP_WORDS:
            kept.append(word)
    return kept


def word_counts(words):
    counts = {}
    for word in words:
        if word not in counts:
            counts[word] = 0
        counts[word] += 1
    return counts


def rarest_word(counts):
    return sorted(counts.items(), key=lambda item: item[1])[0][0]


def longest_word(words):
    longest = ""
    for word in words:
        if len(word) > len(longest):
            longest = word
    return longest


def total_letters(words):
    n = 0
    for word in words:
        n += len(word)
    return n


def shout(words):
    out = ""
    for word in words:
        out += word.upper() + " "
    return out.strip()


def reachable(graph, start):
    """Pages reachable from ``start`` (breadth first, with a list as the queue)."""
    queue = [start]
    visited = []
    while queue:
        page = queue.pop(0)
        if page in visited:
            continue
        visited.append(page)
        for link in graph.get(page, []):
            if link not in visited:
                queue.append(link)
    return visited


def make_corpus(n, seed=1):
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def make_graph(n, seed=2):
    rng = random.Random(seed)
    graph = {}
    for page in range(n):
        graph[page] = [rng.randrange(n) for _ in range(3)]
    return graph


def main(n=50_000):
    start = time.perf_counter()
    words = tokenize(make_corpus(n))
    kept = content_words(words)
    counts = word_counts(kept)
    print(f"{len(words)} words, {len(kept)} content words, {len(list(counts.keys()))} distinct")
    print(f"rarest: {rarest_word(counts)}; longest: {longest_word(kept)}")
    print(f"letters: {total_letters(kept)}; shout: {len(shout(kept[:1000]))} characters")
    print(f"reachable pages: {len(reachable(make_graph(3000), 0))}")
    print(f"took {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
