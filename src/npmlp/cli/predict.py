"""npmlp predict: a saved model on the rows of a CSV."""

from __future__ import annotations

from pathlib import Path

import npmlp


def add_command(sub) -> None:
    p = sub.add_parser("predict", help="predict the rows of a CSV with a saved model",
                       description="Load a model saved by `npmlp train --save` and write one "
                       "prediction per CSV row. The CSV's feature columns must be those of "
                       "training, in the same order; if it also holds the target column, name "
                       "it with --target so that it is left out.")
    p.add_argument("--model", metavar="PATH", required=True, help="the saved model (.npz)")
    p.add_argument("--csv", metavar="PATH", required=True, help="rows to predict (header row)")
    p.add_argument("--target", metavar="COLUMN", default=None,
                   help="a column to leave out (the target, when the CSV has it)")
    p.add_argument("--out", metavar="PATH", required=True,
                   help="where to write the predictions (CSV, written atomically)")
    p.add_argument("--proba", action="store_true",
                   help="also write the output probabilities (classifiers)")
    p.set_defaults(func=run_predict)


def run_predict(args) -> int:
    model = npmlp.load(args.model)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    rows = npmlp.datasets.predict_csv(model, args.csv, args.out, target=args.target,
                                      proba=args.proba)
    print(f"Wrote {rows} predictions to {args.out}")
    return 0
