"""A PostgreSQL cluster of this machine's own binaries (Debian's `postgresql`), for development,
`make postgres` and the tests: initdb into a folder, start on a port, stop.

A bureau's production PostgreSQL is its own server: the warehouse only needs a DSN
(`EDUWH_POSTGRES_DSN`). This module exists so that a checkout can run the PostgreSQL serving
path without one. PostgreSQL refuses to run as root; when this process is root, the cluster runs
as the `postgres` system user (created by the Debian package) through `runuser`.

The cluster accepts local connections without a password (`trust`, socket and 127.0.0.1 only):
it is a development and test cluster, never a bureau's server.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "eduwh_admin"


class ClusterError(RuntimeError):
    """The local cluster could not be created or started; the message says why in a sentence."""


def bin_dir() -> Path:
    """Where initdb and pg_ctl are: `EDUWH_PG_BINDIR`, else the newest Debian install, else PATH."""
    if os.environ.get("EDUWH_PG_BINDIR"):
        return Path(os.environ["EDUWH_PG_BINDIR"])
    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_major)
    if debian:
        return Path(debian[-1]).parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ClusterError(
        "PostgreSQL's initdb was not found: install Debian's postgresql package "
        "(`make install-postgres`) or set EDUWH_PG_BINDIR to its bin folder."
    )


def _major(path: str) -> int:
    try:
        return int(Path(path).parents[1].name)
    except ValueError:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalCluster:
    """A cluster whose data, socket and log live under `root`."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def dsn(self, user: str = SUPERUSER, dbname: str = "eduwh") -> str:
        return f"host={self.root} port={self.port} user={user} dbname={dbname}"

    def url(self, user: str = SUPERUSER, dbname: str = "eduwh") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        """Run a PostgreSQL binary as the cluster's owner; its output becomes the error."""
        cmd = [str(bin_dir() / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            raise ClusterError(f"{args[0]} failed in {self.root}: {' '.join(tail)}")

    def start(self) -> LocalCluster:
        """Create the cluster if its folder is empty, start it, and create the `eduwh` database."""
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise ClusterError(
                    "PostgreSQL does not run as root and there is no `postgres` user: install "
                    "Debian's postgresql package, which creates it, or run as another user."
                ) from exc
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        os.chmod(self.root, 0o700)
        fresh = not (self.data / "PG_VERSION").exists()
        if fresh:
            self._run(
                "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8",
            )  # fmt: skip
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        if fresh:
            import psycopg

            with psycopg.connect(self.dsn(dbname="postgres"), autocommit=True) as con:
                con.execute("create database eduwh")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def main(argv: list[str] | None = None) -> int:
    """`make postgres` / `make postgres-stop`: a local serving database under build/postgres."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.serving.pg_cluster")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("--dir", default="build/postgres")
    parser.add_argument("--port", type=int, default=5433)
    args = parser.parse_args(argv)
    cluster = LocalCluster(Path(args.dir).resolve(), args.port)
    try:
        if args.action == "stop":
            cluster.stop()
            print(f"Stopped the PostgreSQL cluster in {cluster.root}.")
            return 0
        cluster.start()
    except ClusterError as exc:
        print(str(exc))
        return 1
    print(f"PostgreSQL serving database running in {cluster.root} on port {cluster.port}.")
    print(f'  export EDUWH_POSTGRES_DSN="{cluster.dsn()}"')
    print("  then: eduwh publish --postgres")
    print("        eduwh access grant --region 411303 --role bureau_411303")
    print(f"  BI tools: {cluster.url('bureau_411303')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
