"""npmlp predict: a saved model on the rows of a CSV."""

from __future__ import annotations

import sys

import npmlp
from npmlp.cli.options import one_char


def add_command(sub) -> None:
    p = sub.add_parser("predict", help="predict the rows of a CSV with a saved model",
                       description="Load a model saved by `npmlp train --save` and write one "
                       "prediction per CSV row. The model's feature columns are found by name "
                       "(in any order; a model trained on plain arrays takes every column but "
                       "--target, in order); the other columns (an id, say) are copied to the "
                       "output in front of the prediction.")
    p.add_argument("--model", metavar="PATH", required=True, help="the saved model (.npz)")
    p.add_argument("--csv", metavar="PATH", required=True, help="rows to predict (header row)")
    p.add_argument("--target", metavar="COLUMN", default=None,
                   help="the column of true values, if the CSV has it: copied to the output, "
                   "and the score against it (accuracy, or MAE and R^2) is printed")
    p.add_argument("--out", metavar="PATH", default="-",
                   help="where to write the predictions: a CSV written atomically, or - for "
                   "stdout (default: -)")
    p.add_argument("--proba", action="store_true",
                   help="also write the output probabilities (classifiers)")
    p.add_argument("--delimiter", type=one_char, default=None,
                   help="field separator (default: sniffed among , ; tab |)")
    p.add_argument("--decimal", default=".", choices=[".", ","],
                   help="decimal mark of the numbers (default: .)")
    p.add_argument("--encoding", default=None,
                   help="text encoding of the file, e.g. latin-1 (default: UTF-8)")
    p.set_defaults(func=run_predict)


def run_predict(args) -> int:
    model = npmlp.load(args.model)
    header, rows, score = npmlp.datasets.predict_table(
        model, args.csv, target=args.target, proba=args.proba, delimiter=args.delimiter,
        decimal=args.decimal, encoding=args.encoding)
    npmlp.datasets.write_predictions(args.out, header, rows)
    # With the table on stdout, the messages go to stderr so that the table stays clean.
    report = sys.stderr if args.out == "-" else sys.stdout
    if args.out != "-":
        print(f"Wrote {len(rows)} predictions to {args.out}", file=report)
    if score is not None:
        print(f"Score against {args.target!r}: " +
              ", ".join(f"{k} {v:.4f}" for k, v in score.items()), file=report)
    return 0
