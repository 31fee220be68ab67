"""The ``npmlp`` command: parses arguments and calls the public API, nothing more.

One module per subcommand (train, predict, export, compare, explain, playground), each with an
``add_command(subparsers)`` that declares its options and sets ``func`` to what runs it;
``options`` holds what the training commands share.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings

import npmlp
from npmlp.cli import compare, explain, export, playground, predict, train
from npmlp.cli._stdout import pipe_safe_stdout
from npmlp.cli.options import add_model_options, load_data, mlp_options
from npmlp.training import DivergenceError

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
    with pipe_safe_stdout(), warnings.catch_warnings():
        # NumPy's floating-point warnings are noise here: divergence is detected and reported.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.showwarning = _show_warning(args.command)
        try:
            check = getattr(args, "check", None)
            if check is not None:  # cross-option rules, before any data is read
                check(args)
            return args.func(args)
        except DivergenceError as exc:
            print(f"npmlp {args.command}: error: {exc.cli_message()}", file=sys.stderr)
            return 2
        except (ValueError, TypeError, OSError, FloatingPointError) as exc:
            print(f"npmlp {args.command}: error: {cli_words(str(exc))}", file=sys.stderr)
            return 2
        except ImportError as exc:  # an optional extra is missing; the message names it
            print(f"npmlp {args.command}: error: {exc}", file=sys.stderr)
            return 3
        except KeyboardInterrupt:
            print(f"npmlp {args.command}: interrupted", file=sys.stderr)
            return 130


# Python parameter names that errors from the API may quote, and their options.
_OPTIONS = ("validation_split", "batch_size", "learning_rate", "global_clipnorm", "clipnorm",
            "momentum", "nesterov", "epochs", "l2", "units", "layers", "split", "task",
            "delimiter", "decimal", "encoding", "categorical", "impute", "optimizer")
_PARAMETER = re.compile(r"\b(" + "|".join(_OPTIONS) + r")=('?)([^\s,;)']*)\2")


def cli_words(message: str) -> str:
    """An API error message in the command line's words: ``clipnorm=1.0`` -> ``--clipnorm
    1.0``. Messages that already give the options ("(CLI: --impute ...)") stay as they are."""
    if "(CLI: " in message:
        return message
    return _PARAMETER.sub(lambda m: f"--{m[1].replace('_', '-')} {m[3]}".rstrip(), message)


def _show_warning(command: str):
    """Warnings as one line, ``npmlp COMMAND: warning: ...`` (no source line)."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"npmlp {command}: warning: {cli_words(str(message))}", file=sys.stderr)
    return show


if __name__ == "__main__":
    sys.exit(main())
