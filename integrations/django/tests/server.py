"""The built rendition server (node dist/cli.js serve) on 127.0.0.1, started and stopped by the tests.

The environment names it: RENDITION_TEST_NODE (node), RENDITION_TEST_CLI (dist/cli.js) and
RENDITION_TEST_DIR (a temp directory for its roots); test/integrations/django.test.ts sets them.
With RENDITION_TEST_S3 (a JSON object: endpoint, region, bucket, prefix, accessKeyId,
secretAccessKey) the server reads its originals from that bucket (ORIGINALS_STORE=s3) and the
suite's Django writes them there through django-storages (tests/settings.py).
"""
from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import threading
from pathlib import Path
from typing import Dict, List, Optional

TOKEN = "django-suite-token-0123456789abcdef"
#: The bucket both sides share, when the suite runs in S3 mode; None: MEDIA_ROOT.
S3: Optional[Dict[str, str]] = json.loads(os.environ.get("RENDITION_TEST_S3") or "null")
#: rendition's CONFIG_FILE key sets, and what the settings say (the check compares them).
KEY_SETS = {
    "image": {
        "small": {"size": "thumbnail__180x180", "densities": [1, 2]},
        "medium": "thumbnail__220x220",
        "large": "crop__320x320",
    },
    "hero": {"wide": {"size": "crop__640x360", "widths": [320, 640]}},
    # VIF's filter form and an explicit format: the check compares these too.
    "listing": {"dark": "filters__invert__crop__320x320.png"},
}


def required_env(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"{name} is not set: run this suite through npm test (test/integrations/django.test.ts)")
    return value


class RenditionServer:
    """One server process over fixed roots; stop() and start() again keep its port."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.media_root = directory / "media"
        self.cache_root = directory / "cache"
        self.data_dir = directory / "data"
        for root in (self.media_root, self.cache_root, self.data_dir):
            root.mkdir(parents=True, exist_ok=True)
        self.config_file = directory / "rendition.json"
        self.config_file.write_text(json.dumps({"keySets": KEY_SETS}))
        self.port = 0
        self.process: Optional[subprocess.Popen] = None
        self.output: List[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {
            "PATH": "/usr/bin:/bin",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "MEDIA_ROOT": str(self.media_root),
            "CACHE_ROOT": str(self.cache_root),
            "DATA_DIR": str(self.data_dir),
            "CONFIG_FILE": str(self.config_file),
            "ADMIN_TOKEN": TOKEN,
            "LOG_LEVEL": "warn",
        }
        if S3 is not None:
            env.update(
                {
                    "ORIGINALS_STORE": "s3",
                    "S3_ENDPOINT": S3["endpoint"],
                    "S3_REGION": S3["region"],
                    "S3_BUCKET": S3["bucket"],
                    "S3_PREFIX": S3["prefix"],
                    "S3_FORCE_PATH_STYLE": "true",
                    "ORIGINALS_RESCAN_SECONDS": "1",
                    "AWS_ACCESS_KEY_ID": S3["accessKeyId"],
                    "AWS_SECRET_ACCESS_KEY": S3["secretAccessKey"],
                }
            )
        command = [required_env("RENDITION_TEST_NODE"), required_env("RENDITION_TEST_CLI"), "serve"]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        lines: "queue.Queue[Optional[str]]" = queue.Queue()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                self.output.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=read, daemon=True).start()
        while True:
            line = lines.get(timeout=30)
            if line is None:
                raise RuntimeError("rendition serve exited:\n" + "".join(self.output))
            match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                return

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


SERVER = RenditionServer(Path(required_env("RENDITION_TEST_DIR")))
