"""`ratebench db` (not built yet)."""

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    pass
