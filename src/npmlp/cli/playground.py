"""npmlp playground: the local web app to watch a network learn."""

from __future__ import annotations

from npmlp import playground
from npmlp.cli.options import positive_int


def add_command(sub) -> None:
    p = sub.add_parser("playground", help="a local web app: watch a network learn, change it, "
                       "check it against Keras, export it",
                       description="Start the npmlp playground (a local web app: pick a 2-D data "
                       "set, shape a network, press play) and print its URL. Needs the "
                       "playground extra: pip install 'npmlp[playground]'.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=positive_int, default=8765, help="port (default: 8765)")
    p.add_argument("--open", action="store_true", help="open the page in the web browser")
    p.set_defaults(func=run_playground)


def run_playground(args) -> int:
    playground.serve(args.host, args.port, open_browser=args.open)
    return 0
