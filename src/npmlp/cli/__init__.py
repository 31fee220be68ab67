"""The ``npmlp`` command: parses arguments and calls the public API, nothing more.

One module per subcommand (train, predict, export, compare, explain, playground), each with an
``add_command(subparsers)`` that declares its options and sets ``func`` to what runs it;
``options`` holds what the training commands share.
"""

from __future__ import annotations

import argparse
import sys

import npmlp
from npmlp.cli import compare, explain, export, playground, predict, train
from npmlp.cli.options import add_model_options, load_data, mlp_options

__all__ = ["build_parser", "main", "add_model_options", "load_data", "mlp_options"]

COMMANDS = (train, predict, export, compare, explain, playground)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="npmlp", description="A multi-layer perceptron in NumPy, proven against Keras.")
    parser.add_argument("--version", action="version", version=f"npmlp {npmlp.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, OSError, FloatingPointError) as exc:
        print(f"npmlp {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # an optional extra is missing; the message names it
        print(f"npmlp {args.command}: error: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print(f"npmlp {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
