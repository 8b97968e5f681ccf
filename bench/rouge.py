"""Scores summaries with rouge-score (stemming on), as in the corpus README.

Input: JSONL lines {"id", "summary": [sentences], "reference": "highlights"}.
Prints ROUGE-1/2/Lsum F1 (x100) averaged over documents.
"""
import json
import sys

from rouge_score import rouge_scorer

scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], use_stemmer=True)
totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeLsum": 0.0}
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    item = json.loads(line)
    pred = "\n".join(item["summary"])
    ref = "\n".join(s.strip() for s in item["reference"].split("\n"))
    scores = scorer.score(ref, pred)
    for k in totals:
        totals[k] += scores[k].fmeasure
    n += 1
print(json.dumps({"documents": n, **{k: round(100 * v / max(n, 1), 2) for k, v in totals.items()}}))
