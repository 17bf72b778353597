"""``python -m crawler.demosite --port 8765``: serve the demo forum until Ctrl-C."""

from __future__ import annotations

import argparse
import time

from crawler.demosite import DemoForumServer, build_forum


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m crawler.demosite", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    parser.add_argument("--seed", type=int, default=62, help="generator seed (default 62)")
    args = parser.parse_args(argv)
    forum = build_forum(args.seed)
    with DemoForumServer(forum, host=args.host, port=args.port) as server:
        posts = sum(len(t.posts) for t in forum.threads.values())
        summary = f"{len(forum.threads)} topics, {posts} posts"
        print(f"demo forum ({summary}) at {server.url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            print("stopped")


if __name__ == "__main__":
    main()
